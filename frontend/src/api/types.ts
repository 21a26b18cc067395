import type { components } from './schema'

type S = components['schemas']

export type Me = S['Me']
export type TokenPair = S['TokenPair']
export type Status = S['Status']
export type Urgency = S['Urgency']
export type UnitKind = S['UnitKind']
export type TicketListItem = S['TicketListItem']
export type TicketOut = S['TicketOut']
export type TicketPage = S['TicketPage']
export type EventOut = S['EventOut']
export type PublicTicket = S['PublicTicket']
export type PublicTicketCreate = S['PublicTicketCreate']
export type PublicTicketCreated = S['PublicTicketCreated']
/** Every problem code the server answers with (an enum in openapi.json). */
export type ProblemCode = S['ProblemCode']

/** application/problem+json body; the backend may add fields such as `retry_after`. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: Array<Record<string, unknown>> | null
  retry_after?: number
  [key: string]: unknown
}

export const STATUSES: readonly Status[] = [
  'submitted',
  'dispatched',
  'accepted',
  'replied',
  'revisited',
  'closed',
  'rejected',
  'withdrawn',
  'merged',
]

export const URGENCIES: readonly Urgency[] = ['normal', 'urgent', 'complex']
