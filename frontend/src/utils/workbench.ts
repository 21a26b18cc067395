import type { ApiClient } from '@/api/client'
import { unwrap } from '@/api/problem'
import { STATUSES, type Status, type TicketListItem } from '@/api/types'
import { currentDue } from '@/utils/ticket'

export type WorkbenchRole = 'committee' | 'department' | 'college'

/** Which deadline a queue shows for each item. */
export type DeadlineMode = 'accept' | 'reply' | 'current' | 'none'

/** The list filters one queue sends to GET /api/v1/tickets. */
export interface QueueQuery {
  status?: Status[]
  overdue?: boolean
  /** Only tickets with an extension request waiting for the committee. */
  pending_extension?: boolean
  limit: number
  /** List order; oldest first brings the nearest deadlines into the page. */
  sort?: 'created_at' | 'updated_at' | '-created_at' | '-updated_at'
}

export interface QueueDef {
  /** Stable id; also the i18n key `workbench.queue.<key>`. */
  key: string
  query: QueueQuery
  deadline: DeadlineMode
  /** i18n key of a note shown under the queue's title. */
  note?: string
  /** The queue shows each ticket's pending extension request (reason, days, who asked). */
  extensions?: boolean
  /** Group the items by status (college "latest" list). */
  grouped?: boolean
}

/** The page size the workbench queues use (the "20+" threshold). */
export const QUEUE_LIMIT = 20
/** At most this many tickets of a queue are looked up for their pending extension request. */
export const EXTENSION_SCAN_LIMIT = QUEUE_LIMIT
/** The page size of the per-status count queries (college fallback). */
export const COUNT_LIMIT = 100

/** The queues each role sees on the workbench, in display order. */
export function queuesFor(role: WorkbenchRole | null | undefined): QueueDef[] {
  switch (role) {
    case 'committee':
      return [
        {
          key: 'triage',
          query: { status: ['submitted'], limit: QUEUE_LIMIT, sort: 'created_at' },
          deadline: 'current',
          note: 'workbench.note.triageIncludesReturned',
        },
        { key: 'toRevisit', query: { status: ['replied'], limit: QUEUE_LIMIT, sort: 'updated_at' }, deadline: 'none' },
        { key: 'overdue', query: { overdue: true, limit: QUEUE_LIMIT }, deadline: 'current' },
        {
          key: 'extensions',
          query: { pending_extension: true, limit: QUEUE_LIMIT, sort: 'updated_at' },
          deadline: 'reply',
          extensions: true,
        },
      ]
    case 'department':
      return [
        {
          key: 'toAccept',
          query: { status: ['dispatched'], limit: QUEUE_LIMIT, sort: 'updated_at' },
          deadline: 'accept',
        },
        {
          key: 'inProgress',
          query: { status: ['accepted'], limit: QUEUE_LIMIT, sort: 'updated_at' },
          deadline: 'reply',
        },
        {
          // The department's own extension requests still waiting for the committee.
          key: 'extensionsWaiting',
          query: { pending_extension: true, limit: QUEUE_LIMIT, sort: 'updated_at' },
          deadline: 'reply',
          extensions: true,
        },
      ]
    case 'college':
      return [
        { key: 'toScore', query: { status: ['revisited'], limit: QUEUE_LIMIT }, deadline: 'none' },
        { key: 'latest', query: { limit: QUEUE_LIMIT }, deadline: 'current', grouped: true },
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

/** The /tickets list route query for a queue (the list view understands `status` only). */
export function listLinkQuery(def: QueueDef): Record<string, string | string[]> | null {
  if (def.query.overdue || def.extensions) return null
  return def.query.status?.length ? { status: [...def.query.status] } : {}
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

/** One page of a queue. */
export async function fetchQueue(client: ApiClient, query: QueueQuery): Promise<QueuePage> {
  const page = unwrap(
    await client.GET('/api/v1/tickets', {
      params: {
        query: {
          status: query.status?.length ? query.status : undefined,
          overdue: query.overdue ? true : undefined,
          pending_extension: query.pending_extension ? true : undefined,
          limit: query.limit,
          sort: query.sort,
        },
      },
    }),
  )
  return { items: page.items, hasMore: page.next_cursor !== null && page.next_cursor !== undefined }
}

export interface PendingExtension {
  id: number
  days: number
  reason: string
  requested_by: string | null
  created_at: string
}

export interface ExtensionQueueItem {
  ticket: TicketListItem
  extension: PendingExtension
}

/**
 * The tickets (at most `max`, in the given order) that have a pending extension
 * request, checking at most `concurrency` tickets at a time. A ticket whose
 * extensions cannot be read is skipped; `failed` counts those.
 */
export async function findPendingExtensions(
  client: ApiClient,
  tickets: TicketListItem[],
  { max = EXTENSION_SCAN_LIMIT, concurrency = 4 }: { max?: number; concurrency?: number } = {},
): Promise<{ items: ExtensionQueueItem[]; failed: number }> {
  const scan = tickets.slice(0, max)
  const found: Array<ExtensionQueueItem | null> = scan.map(() => null)
  let failed = 0
  let next = 0
  async function worker() {
    while (next < scan.length) {
      const index = next++
      const ticket = scan[index]!
      try {
        const list = unwrap(
          await client.GET('/api/v1/tickets/{ticket_id}/extensions', {
            params: { path: { ticket_id: ticket.id } },
          }),
        )
        const pending = list.find((e) => e.status === 'pending')
        if (pending) {
          found[index] = {
            ticket,
            extension: {
              id: pending.id,
              days: pending.days,
              reason: pending.reason,
              requested_by: pending.requested_by?.display_name ?? null,
              created_at: pending.created_at,
            },
          }
        }
      } catch {
        failed += 1
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, scan.length)) }, worker))
  return { items: found.filter((x): x is ExtensionQueueItem => x !== null), failed }
}

export interface StatusCounts {
  /** Count per status. */
  counts: Partial<Record<Status, number>>
  /** Statuses whose count is a lower bound (the page had more). */
  more: Status[]
  total?: number
  overdue?: number
  /** Tickets with an extension request to decide (from /tickets/counts). */
  pendingExtensions?: number
  /** Where the numbers came from. */
  source: 'counts' | 'lists'
}

/** The statuses shown in the college's "my tickets by state" tiles: all but the two that end a
 * ticket without an answer of its own (withdrawn, merged into another). */
export const COLLEGE_COUNT_STATUSES: readonly Status[] = STATUSES.filter((s) => s !== 'withdrawn' && s !== 'merged')

/** GET /tickets/counts (all statuses), or null when the server lacks it or it fails. */
export async function fetchServerCounts(client: ApiClient): Promise<StatusCounts | null> {
  try {
    const c = unwrap(await client.GET('/api/v1/tickets/counts'))
    const counts: Partial<Record<Status, number>> = {}
    for (const s of STATUSES) counts[s] = Number(c.by_status?.[s] ?? 0)
    return {
      counts,
      more: [],
      total: c.total,
      overdue: c.overdue,
      pendingExtensions: c.pending_extensions,
      source: 'counts',
    }
  } catch {
    return null
  }
}

/**
 * Ticket counts by status: GET /tickets/counts when the server has it, else one
 * list query (limit=100) per status, counting the page ("100+" when it has more).
 */
export async function fetchStatusCounts(
  client: ApiClient,
  statuses: readonly Status[] = COLLEGE_COUNT_STATUSES,
): Promise<StatusCounts> {
  const server = await fetchServerCounts(client)
  if (server) return server
  const pages = await Promise.all(statuses.map((s) => fetchQueue(client, { status: [s], limit: COUNT_LIMIT })))
  const counts: Partial<Record<Status, number>> = {}
  const more: Status[] = []
  statuses.forEach((s, i) => {
    counts[s] = pages[i]!.items.length
    if (pages[i]!.hasMore) more.push(s)
  })
  return { counts, more, source: 'lists' }
}

/** Exact server-side count for a queue, when /tickets/counts gave one (single-status or overdue queues). */
export function exactCount(def: QueueDef, counts: StatusCounts | null): number | null {
  if (!counts || counts.source !== 'counts') return null
  if (def.query.pending_extension) return counts.pendingExtensions ?? null
  if (def.query.overdue) return def.query.status?.length ? null : (counts.overdue ?? null)
  const statuses = def.query.status ?? []
  if (statuses.length === 0) return counts.total ?? null
  if (statuses.length !== 1) return null
  return counts.counts[statuses[0]!] ?? null
}
