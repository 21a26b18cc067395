import { computed, onBeforeUnmount, reactive, readonly, ref, shallowRef, watch, type Ref } from 'vue'
import { onBeforeRouteLeave, useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'
import { rememberListPosition, takeReturnScroll } from '@/utils/listReturn'

/* ---------- filters ⇄ URL query ---------- */

/** How one filter is read from and written to the URL query. Values equal to `empty` are left out of the URL. */
export interface QueryField<T> {
  /** The value when the URL does not name it (the "reset" value). */
  empty: () => T
  /** Parse the raw query values (repeated keys give several); anything invalid gives `empty()`. */
  parse: (raw: string[]) => T
  /** The query values for a value; [] leaves the key out. */
  format: (value: T) => string[]
}

/** One QueryField per key of the filter object. */
export type FilterSpec<F> = { [K in keyof F]: QueryField<F[K]> }

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/

/** Building blocks for FilterSpecs. */
export const field = {
  /** Free text, trimmed, at most `max` characters. */
  text(max = 100): QueryField<string> {
    return {
      empty: () => '',
      parse: (raw) => (raw[0] ?? '').trim().slice(0, max),
      format: (v) => (v.trim() ? [v.trim().slice(0, max)] : []),
    }
  },
  /** A positive integer id, or null. */
  id(): QueryField<number | null> {
    return {
      empty: () => null,
      parse: (raw) => {
        const n = Number(raw[0])
        return Number.isInteger(n) && n > 0 && n <= 2147483647 ? n : null
      },
      format: (v) => (v === null ? [] : [String(v)]),
    }
  },
  /** true / false / not set (null). */
  bool(): QueryField<boolean | null> {
    return {
      empty: () => null,
      parse: (raw) => (raw[0] === 'true' ? true : raw[0] === 'false' ? false : null),
      format: (v) => (v === null ? [] : [String(v)]),
    }
  },
  /** One of a closed list ('' = any); `fallback` is the value when the URL names none. */
  oneOf<T extends string>(values: readonly T[], fallback: T | '' = ''): QueryField<T | ''> {
    return {
      empty: () => fallback,
      parse: (raw) => (values.includes(raw[0] as T) ? (raw[0] as T) : fallback),
      format: (v) => (v && v !== fallback ? [v] : []),
    }
  },
  /** Any number of a closed list, each once, in the list's order. */
  manyOf<T extends string>(values: readonly T[]): QueryField<T[]> {
    return {
      empty: () => [],
      parse: (raw) => values.filter((v) => raw.includes(v)),
      format: (v) => values.filter((x) => v.includes(x)),
    }
  },
  /** A calendar day "YYYY-MM-DD" (local), or ''. */
  date(): QueryField<string> {
    return {
      empty: () => '',
      parse: (raw) => (raw[0] && DATE_RE.test(raw[0]) && !Number.isNaN(Date.parse(raw[0])) ? raw[0] : ''),
      format: (v) => (v && DATE_RE.test(v) ? [v] : []),
    }
  },
}

function rawValues(query: LocationQuery, key: string): string[] {
  const v = query[key]
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]
  return list.filter((x): x is string => typeof x === 'string')
}

/** The filter object a URL query describes (unknown keys ignored, invalid values reset). */
export function filtersFromQuery<F>(spec: FilterSpec<F>, query: LocationQuery): F {
  const out = {} as F
  for (const key of Object.keys(spec) as Array<keyof F>) {
    out[key] = spec[key].parse(rawValues(query, String(key)))
  }
  return out
}

/** The URL query for a filter object; values at their default are left out. */
export function filtersToQuery<F>(spec: FilterSpec<F>, filters: F): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const key of Object.keys(spec) as Array<keyof F>) {
    const values = spec[key].format(filters[key])
    if (values.length === 1) out[String(key)] = values[0]!
    else if (values.length > 1) out[String(key)] = values
  }
  return out
}

/** The reset value of every filter. */
export function emptyFilters<F>(spec: FilterSpec<F>): F {
  const out = {} as F
  for (const key of Object.keys(spec) as Array<keyof F>) out[key] = spec[key].empty()
  return out
}

/** Order-insensitive key of a query, to tell whether two queries name the same list. */
export function queryKey(query: LocationQuery | LocationQueryRaw): string {
  return Object.keys(query)
    .sort()
    .map((k) => {
      const v = query[k]
      const list = (Array.isArray(v) ? v : [v]).filter((x) => x !== undefined && x !== null).map(String)
      return list.map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`).join('&')
    })
    .filter(Boolean)
    .join('&')
}

/* ---------- the list ---------- */

export const PAGE_SIZES = [10, 20, 50] as const
export const DEFAULT_PAGE_SIZE = 20

/** One answer of the list's fetch function. */
export interface ListResult<T> {
  items: T[]
  /** Matching items in all pages; null when the API pages by cursor only. */
  total: number | null
  /** Cursor of the next page (cursor mode); null or absent at the end. */
  next?: string | null
}

export interface FetchContext {
  /** Cursor of the page to append (cursor mode, "load more"); null for the first page. */
  cursor: string | null
  /** Aborted when a newer load starts or the page goes away; pass it to the request. */
  signal: AbortSignal
}

export type ListFetch<F, T> = (filters: F, page: number, size: number, ctx: FetchContext) => Promise<ListResult<T>>

export interface PagedListOptions<F, T> {
  spec: FilterSpec<F>
  fetch: ListFetch<F, T>
  /** 'page': numbered pages with a total (page and size in the URL). 'cursor': "load more". */
  mode?: 'page' | 'cursor'
  pageSizes?: readonly number[]
  defaultSize?: number
  /** Keep filters, page and size in the route's query (default true). */
  url?: boolean
  /** Load on creation (default true). */
  immediate?: boolean
  /** Remember this list's URL and scroll position under this name for a "← 返回" link (see utils/listReturn). */
  returnKey?: string
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 ? n : fallback
}

/**
 * A list page's state: filters kept in the URL query, page and page size, and a load() that
 * never lets an older response overwrite a newer one (each load aborts the previous request and
 * drops any answer that is not the latest).
 *
 * `filters` is the search form's model; `applied` is what the shown list was loaded with.
 */
export function usePagedList<F extends object, T>(options: PagedListOptions<F, T>) {
  const { spec, mode = 'page', pageSizes = PAGE_SIZES, defaultSize = DEFAULT_PAGE_SIZE } = options
  const useUrl = options.url !== false
  const route = useUrl ? useRoute() : null
  const router = useUrl ? useRouter() : null
  const basePath = route?.path ?? null

  // The form's model; filter objects hold plain values (strings, numbers, arrays), no refs.
  const filters = reactive(emptyFilters(spec)) as F
  const applied = shallowRef<F>(emptyFilters(spec))
  const page = ref(1)
  const size = ref(defaultSize)
  const items = ref<T[]>([]) as Ref<T[]>
  const total = ref<number | null>(null)
  const next = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)

  let seq = 0
  let controller: AbortController | null = null
  /** Query this list last wrote to the URL, so its own navigation does not trigger a second load. */
  let ownKey: string | null = null
  let restoreY: number | null = null

  function clone(f: F): F {
    return filtersFromQuery(spec, filtersToQuery(spec, f) as LocationQuery)
  }

  function setForm(f: F): void {
    Object.assign(filters, clone(f))
  }

  function readUrl(query: LocationQuery): void {
    const f = filtersFromQuery(spec, query)
    applied.value = f
    setForm(f)
    if (mode === 'page') {
      const s = positiveInt(rawValues(query, 'size')[0], defaultSize)
      size.value = pageSizes.includes(s) ? s : defaultSize
      page.value = positiveInt(rawValues(query, 'page')[0], 1)
    }
  }

  function urlQuery(): Record<string, string | string[]> {
    const q = filtersToQuery(spec, applied.value)
    if (mode === 'page') {
      if (page.value !== 1) q.page = String(page.value)
      if (size.value !== defaultSize) q.size = String(size.value)
    }
    return q
  }

  function writeUrl(): void {
    if (!router || !route) return
    const query = urlQuery()
    ownKey = queryKey(query)
    if (queryKey(route.query) !== ownKey) void router.replace({ query })
  }

  /** Load the current page (or, with `more`, append the next cursor page). */
  async function load(more = false): Promise<void> {
    controller?.abort()
    const mine = ++seq
    const ctrl = new AbortController()
    controller = ctrl
    loading.value = true
    error.value = null
    try {
      const result = await options.fetch(applied.value, page.value, size.value, {
        cursor: more ? next.value : null,
        signal: ctrl.signal,
      })
      if (mine !== seq) return
      // The page is past the end (rows went away, or a hand-edited URL): show the last page instead.
      if (mode === 'page' && !more && result.total && page.value > 1 && (page.value - 1) * size.value >= result.total) {
        page.value = Math.max(1, Math.ceil(result.total / size.value))
        writeUrl()
        void load()
        return
      }
      items.value = more ? [...items.value, ...result.items] : result.items
      total.value = result.total
      next.value = result.next ?? null
      loaded.value = true
      if (restoreY !== null) {
        const y = restoreY
        restoreY = null
        // After the rows are in the DOM, so the page is tall enough to scroll back.
        requestAnimationFrame(() => window.scrollTo({ top: y }))
      }
    } catch (e) {
      if (mine !== seq) return
      error.value = e
    } finally {
      if (mine === seq) {
        loading.value = false
        controller = null
      }
    }
  }

  /** Apply the form's filters from page 1. */
  function search(): Promise<void> {
    applied.value = clone(filters as F)
    page.value = 1
    writeUrl()
    return load()
  }

  /** Clear the form and show the unfiltered list. */
  function reset(): Promise<void> {
    setForm(emptyFilters(spec))
    return search()
  }

  function setPage(p: number): Promise<void> {
    page.value = p
    writeUrl()
    return load()
  }

  function setSize(s: number): Promise<void> {
    size.value = pageSizes.includes(s) ? s : defaultSize
    page.value = 1
    writeUrl()
    return load()
  }

  /** Cursor mode: append the next page. */
  function loadMore(): Promise<void> {
    return next.value ? load(true) : Promise.resolve()
  }

  if (route) {
    readUrl(route.query)
    ownKey = queryKey(urlQuery())
    // Someone else changed the URL while the page stays (browser back/forward, a link to this list
    // with other filters): follow it.
    watch(
      () => route.query,
      (query) => {
        if (route.path !== basePath) return
        if (queryKey(query) === ownKey) return
        readUrl(query)
        ownKey = queryKey(urlQuery())
        void load()
      },
    )
    if (options.returnKey) {
      const key = options.returnKey
      restoreY = takeReturnScroll()
      onBeforeRouteLeave(() => {
        rememberListPosition(key, route.fullPath, window.scrollY)
      })
    }
  }

  onBeforeUnmount(() => {
    seq += 1
    controller?.abort()
  })

  if (options.immediate !== false) void load()

  return {
    filters,
    applied: readonly(applied),
    page: readonly(page),
    size: readonly(size),
    pageSizes,
    items,
    total: readonly(total),
    hasMore: computed(() => next.value !== null),
    loading: readonly(loading),
    loaded: readonly(loaded),
    error: readonly(error),
    load,
    search,
    reset,
    setPage,
    setSize,
    loadMore,
  }
}

export type PagedList<F extends object, T> = ReturnType<typeof usePagedList<F, T>>

/** What ListPage needs of a list: pass the whole usePagedList result as `<ListPage :list="list">`. */
export interface ListSource<T> {
  items: Readonly<Ref<T[]>>
  total: Readonly<Ref<number | null>>
  page: Readonly<Ref<number>>
  size: Readonly<Ref<number>>
  loading: Readonly<Ref<boolean>>
  loaded: Readonly<Ref<boolean>>
  error: Readonly<Ref<unknown>>
  hasMore: Readonly<Ref<boolean>>
  load(): Promise<void>
  search(): Promise<void>
  reset(): Promise<void>
  setPage(page: number): Promise<void>
  setSize(size: number): Promise<void>
  loadMore(): Promise<void>
}
