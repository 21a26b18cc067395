import type { ApiClient } from '@/api/client'
import { countTickets, listTickets, type TicketCounts } from '@/api/ticketQueries'
import { STATUSES, type Status, type TicketListItem } from '@/api/types'
import { emptyFilters } from '@/composables/usePagedList'
import { TICKET_FILTERS, ticketListLink, ticketListQuery, type TicketFilters } from '@/utils/ticketFilters'
import { currentDue } from '@/utils/ticket'

export type WorkbenchRole = 'committee' | 'department' | 'college'

/** Which deadline a queue shows for each item. */
export type DeadlineMode = 'accept' | 'reply' | 'current' | 'none'

export type QueueSort = 'created_at' | 'updated_at' | '-created_at' | '-updated_at'

export interface QueueDef {
  /** Stable id; also the i18n key `workbench.queue.<key>`. */
  key: string
  /** The ticket list filters of this queue: its items, its 查看全部 link and its count all use them. */
  filter: Partial<TicketFilters>
  /** The number in /tickets/counts that equals the list total for `filter`. */
  count: (c: TicketCounts) => number
  /** Order of the items shown; oldest first brings the nearest deadlines into the page. */
  sort?: QueueSort
  deadline: DeadlineMode
  /** i18n key of a note shown under the queue's title. */
  note?: string
  /** The queue shows each ticket's pending extension request (reason, days, who asked). */
  extensions?: boolean
  /** Group the items by status (college "latest" list). */
  grouped?: boolean
}

/** The page size the workbench queues use. */
export const QUEUE_LIMIT = 20

const byStatus = (s: Status) => (c: TicketCounts) => c.by_status[s] ?? 0

/** The queues each role sees on the workbench, in display order. */
export function queuesFor(role: WorkbenchRole | null | undefined): QueueDef[] {
  switch (role) {
    case 'committee':
      return [
        {
          // Returned tickets are back in 待受理 too; they carry the 退单 tag.
          key: 'triage',
          filter: { status: ['submitted'] },
          count: byStatus('submitted'),
          sort: 'created_at',
          deadline: 'current',
          note: 'workbench.note.triageIncludesReturned',
        },
        {
          key: 'toRevisit',
          filter: { status: ['replied'] },
          count: byStatus('replied'),
          sort: 'updated_at',
          deadline: 'none',
        },
        { key: 'overdue', filter: { overdue: true }, count: (c) => c.overdue, deadline: 'current' },
        {
          key: 'extensions',
          filter: { pending_extension: true },
          count: (c) => c.pending_extensions,
          sort: 'updated_at',
          deadline: 'reply',
          extensions: true,
        },
      ]
    case 'department':
      return [
        {
          key: 'toAccept',
          filter: { status: ['dispatched'] },
          count: byStatus('dispatched'),
          sort: 'updated_at',
          deadline: 'accept',
        },
        {
          key: 'inProgress',
          filter: { status: ['accepted'] },
          count: byStatus('accepted'),
          sort: 'updated_at',
          deadline: 'reply',
        },
        {
          // The department's own extension requests still waiting for the committee.
          key: 'extensionsWaiting',
          filter: { pending_extension: true },
          count: (c) => c.pending_extensions,
          sort: 'updated_at',
          deadline: 'reply',
          extensions: true,
        },
      ]
    case 'college':
      return [
        { key: 'toScore', filter: { status: ['revisited'] }, count: byStatus('revisited'), deadline: 'none' },
        { key: 'latest', filter: {}, count: (c) => c.total, deadline: 'current', grouped: true },
      ]
    default:
      return []
  }
}

/** Narrow a unit kind to a workbench role (unknown kinds get no queues). */
export function roleOf(kind: string | null | undefined): WorkbenchRole | null {
  return kind === 'committee' || kind === 'department' || kind === 'college' ? kind : null
}

/** "n", or "n+" when the page said there is more (it had a next_cursor). */
export function countLabel(n: number, hasMore: boolean): string {
  return hasMore ? `${n}+` : String(n)
}

/** The deadline a queue item shows, or null. */
export function deadlineOf(item: TicketListItem, mode: DeadlineMode): string | null {
  if (mode === 'accept') return item.accept_due_at
  if (mode === 'reply') return item.reply_due_at
  if (mode === 'current') return currentDue(item)?.at ?? null
  return null
}

/** The ticket list link of a queue (its 查看全部 and its tile): exactly the queue's filters. */
export function queueLink(def: QueueDef) {
  return ticketListLink(def.filter)
}

/** Items ordered by the queue's deadline, nearest (or most overdue) first; no deadline last; stable. */
export function sortByDeadline(items: TicketListItem[], mode: DeadlineMode): TicketListItem[] {
  if (mode === 'none') return items
  const key = (i: TicketListItem) => {
    const d = deadlineOf(i, mode)
    const ms = d ? new Date(d).getTime() : NaN
    return Number.isNaN(ms) ? Infinity : ms
  }
  return items
    .map((item, index) => ({ item, index, k: key(item) }))
    .sort((a, b) => (a.k === b.k ? a.index - b.index : a.k < b.k ? -1 : 1))
    .map((x) => x.item)
}

/** Items grouped by status, in the canonical status order, empty groups left out. */
export function groupByStatus(items: TicketListItem[]): Array<{ status: Status; items: TicketListItem[] }> {
  return STATUSES.map((status) => ({ status, items: items.filter((i) => i.status === status) })).filter(
    (g) => g.items.length > 0,
  )
}

export interface QueuePage {
  items: TicketListItem[]
  hasMore: boolean
}

/** The first items of a queue: one list request (each item carries its pending extension, if any). */
export async function fetchQueue(client: ApiClient, def: QueueDef, limit = QUEUE_LIMIT): Promise<QueuePage> {
  const query = ticketListQuery({ ...emptyFilters(TICKET_FILTERS), ...def.filter })
  const page = await listTickets({ ...query, limit, sort: def.sort }, undefined, client)
  return { items: page.items, hasMore: page.next_cursor !== null && page.next_cursor !== undefined }
}

/** /tickets/counts: one request for every tile and queue count. */
export function fetchCounts(client: ApiClient): Promise<TicketCounts> {
  return countTickets({}, undefined, client)
}

/** The statuses shown in the college's "my tickets by state" tiles: all but the two that end a
 * ticket without an answer of its own (withdrawn, merged into another). */
export const COLLEGE_COUNT_STATUSES: readonly Status[] = STATUSES.filter((s) => s !== 'withdrawn' && s !== 'merged')

/** A workbench tile: a count and the list it opens. */
export interface TileDef {
  key: string
  /** i18n key of the label. */
  label: string
  filter: Partial<TicketFilters>
  count: (c: TicketCounts) => number
  /** Shown in red when not zero. */
  danger?: boolean
}

/** The tiles of a role: its queues, or (college) its tickets by state. */
export function tilesFor(role: WorkbenchRole | null | undefined): TileDef[] {
  if (role === 'college') {
    return COLLEGE_COUNT_STATUSES.map((s) => ({
      key: s,
      label: `status.${s}`,
      filter: { status: [s] },
      count: byStatus(s),
    }))
  }
  return queuesFor(role).map((q) => ({
    key: q.key,
    label: `workbench.queue.${q.key}`,
    filter: q.filter,
    count: q.count,
    danger: q.key === 'overdue',
  }))
}

/** The list of the returned tickets still waiting in 待受理 (its number is counts.returned). */
export const RETURNED_FILTER: Partial<TicketFilters> = { status: ['submitted'], returned: true }
