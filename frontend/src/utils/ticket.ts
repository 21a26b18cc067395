import type { Status, TicketListItem, TicketOut } from '@/api/types'
import type { ActionName } from '@/utils/actions'

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

/**
 * The step the ticket waits for, in the order to try: the first one the caller may take (the
 * server's allowed_actions already says who may, and whether an extension is pending) is theirs.
 */
const NEXT_STEPS: Partial<Record<Status, readonly ActionName[]>> = {
  submitted: ['dispatch'],
  dispatched: ['accept'],
  // A pending extension request blocks the lead's plans: the committee decides it first.
  accepted: ['decide_extension', 'reply'],
  replied: ['revisit'],
  // The college scores; once the scoring window is over the committee may close instead.
  revisited: ['score', 'close'],
  merged: ['score'],
}

/** The caller's next expected step on this ticket (the page's primary button), or null. */
export function nextStep(ticket: Pick<TicketOut, 'status' | 'allowed_actions'>): ActionName | null {
  const steps = NEXT_STEPS[ticket.status] ?? []
  return steps.find((a) => ticket.allowed_actions.includes(a)) ?? null
}
