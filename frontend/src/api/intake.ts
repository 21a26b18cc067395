/** Typed calls for raising a ticket from inside the app (college or committee). */
import { api } from './client'
import { unwrap } from './problem'
import type { components } from './schema'

type S = components['schemas']
export type TicketCreate = S['TicketCreate']
export type TicketCreated = S['TicketCreated']

/**
 * POST /tickets. `idempotencyKey` is the same for a retry of the same body, so a lost response
 * does not create a second ticket.
 */
export async function createTicket(body: TicketCreate, idempotencyKey: string): Promise<TicketCreated> {
  return unwrap(
    await api.POST('/api/v1/tickets', {
      body,
      params: { header: { 'Idempotency-Key': idempotencyKey } },
    }),
  )
}
