import type { LocationQuery, RouteLocationRaw } from 'vue-router'
import { STATUSES, URGENCIES, type Status, type Urgency } from '@/api/types'
import type { TicketListQuery } from '@/api/ticketQueries'
import { emptyFilters, field, filtersToQuery, type FilterSpec } from '@/composables/usePagedList'

/**
 * The ticket list's filters as the search form and the URL hold them. Every filter of
 * GET /api/v1/tickets has one; the workbench builds its links from the same spec, so a tile
 * opens exactly the list its count was made for.
 */
export interface TicketFilters {
  /** 主办部门 */
  department_id: number | null
  /** 提出单位 */
  college_id: number | null
  category_id: number | null
  urgency: Urgency | ''
  status: Status[]
  overdue: boolean | null
  pending_extension: boolean | null
  returned: boolean | null
  /** 提交时间 from this local day … */
  created_from: string
  /** … to this local day, inclusive. */
  created_to: string
  q: string
}

export const TICKET_FILTERS: FilterSpec<TicketFilters> = {
  department_id: field.id(),
  college_id: field.id(),
  category_id: field.id(),
  urgency: field.oneOf(URGENCIES),
  status: field.manyOf(STATUSES),
  overdue: field.bool(),
  pending_extension: field.bool(),
  returned: field.bool(),
  created_from: field.date(),
  created_to: field.date(),
  q: field.text(100),
}

/** "+08:00" for the browser's offset on that day. */
function offsetOf(d: Date): string {
  const minutes = -d.getTimezoneOffset()
  const sign = minutes >= 0 ? '+' : '-'
  const abs = Math.abs(minutes)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`
}

/** Local midnight of a "YYYY-MM-DD" day (plus `addDays`), as ISO 8601 with the local offset. */
export function localMidnight(day: string, addDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const at = new Date(y, m - 1, d + addDays)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}T00:00:00${offsetOf(at)}`
}

/** The API query for the filters (the server's created_to is exclusive: the day after the last day). */
export function ticketListQuery(f: TicketFilters): TicketListQuery {
  return {
    department_id: f.department_id ?? undefined,
    college_id: f.college_id ?? undefined,
    category_id: f.category_id ?? undefined,
    urgency: f.urgency || undefined,
    status: f.status.length ? f.status : undefined,
    overdue: f.overdue ?? undefined,
    pending_extension: f.pending_extension ?? undefined,
    returned: f.returned ?? undefined,
    created_from: f.created_from ? localMidnight(f.created_from) : undefined,
    created_to: f.created_to ? localMidnight(f.created_to, 1) : undefined,
    q: f.q.trim() || undefined,
  }
}

/** A link to the ticket list showing exactly these filters. */
export function ticketListLink(partial: Partial<TicketFilters>): RouteLocationRaw & { query: LocationQuery } {
  return { name: 'tickets', query: filtersToQuery(TICKET_FILTERS, { ...emptyFilters(TICKET_FILTERS), ...partial }) }
}
