import type { ListResult, QueryField } from '@/composables/usePagedList'

/**
 * The admin lists are short and their APIs answer them whole (units, categories, users of a
 * filter, a year's calendar days, SLA policies): the page is cut here, so the same ListPage
 * (total, 10/20/50 per page, jump) serves them as it serves the ticket list.
 */
export function pageOf<T>(rows: readonly T[], page: number, size: number): ListResult<T> {
  const start = (page - 1) * size
  return { items: rows.slice(start, start + size), total: rows.length }
}

/** A checkbox filter: `?name=true` when ticked, absent otherwise. */
export function flag(): QueryField<boolean> {
  return {
    empty: () => false,
    parse: (raw) => raw[0] === 'true',
    format: (v) => (v ? ['true'] : []),
  }
}

/** A year among `years` (the URL may name another; then `fallback`). */
export function yearField(years: readonly number[], fallback: number): QueryField<number> {
  return {
    empty: () => fallback,
    parse: (raw) => {
      const y = Number(raw[0])
      return years.includes(y) ? y : fallback
    },
    format: (v) => (v === fallback ? [] : [String(v)]),
  }
}
