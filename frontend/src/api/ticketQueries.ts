/**
 * Typed queries of the ticket list and its counts. Parameter and answer types come from the
 * generated schema, so a renamed backend field or filter fails the type check here.
 */
import { api, type ApiClient } from './client'
import { unwrap } from './problem'
import type { paths } from './schema'
import type { components } from './schema'

export type TicketListQuery = NonNullable<paths['/api/v1/tickets']['get']['parameters']['query']>
export type TicketCountsQuery = NonNullable<paths['/api/v1/tickets/counts']['get']['parameters']['query']>
export type TicketPage = components['schemas']['TicketPage']
export type TicketCounts = components['schemas']['TicketCounts']

/** One page of tickets: numbered (`page` given, with `total`) or by cursor. */
export async function listTickets(
  query: TicketListQuery,
  signal?: AbortSignal,
  client: ApiClient = api,
): Promise<TicketPage> {
  return unwrap(await client.GET('/api/v1/tickets', { params: { query }, signal }))
}

/** How many tickets the caller may see: in total, by status, overdue, with an extension to decide, returned. */
export async function countTickets(
  query: TicketCountsQuery = {},
  signal?: AbortSignal,
  client: ApiClient = api,
): Promise<TicketCounts> {
  return unwrap(await client.GET('/api/v1/tickets/counts', { params: { query }, signal }))
}
