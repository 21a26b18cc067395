import type { Status, TicketListItem } from '@/api/types'

/** The deadline that matters in the ticket's current state, if any. */
export function currentDue(
  t: Pick<TicketListItem, 'status' | 'dispatch_due_at' | 'accept_due_at' | 'reply_due_at'>,
): { kind: 'dispatch' | 'accept' | 'reply'; at: string } | null {
  const by: Partial<Record<Status, ['dispatch' | 'accept' | 'reply', string | null]>> = {
    submitted: ['dispatch', t.dispatch_due_at],
    dispatched: ['accept', t.accept_due_at],
    accepted: ['reply', t.reply_due_at],
  }
  const hit = by[t.status]
  return hit && hit[1] ? { kind: hit[0], at: hit[1] } : null
}
