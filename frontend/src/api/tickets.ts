/**
 * The ticket API, one typed function per endpoint. Bodies and results are the generated schema's
 * types, so a field renamed on the server fails the type check here and in every caller.
 * Actions send `If-Match: "<version>"`; a changed ticket answers 412 (or 409 concurrent_update),
 * which `isStaleVersion` recognises. Every function throws ApiError on failure.
 */
import { api, type ApiClient } from './client'
import { unwrap } from './problem'
import type { components } from './schema'

type S = components['schemas']

export type TicketOut = S['TicketOut']
export type EventOut = S['EventOut']
export type AttachmentOut = S['AttachmentOut']
export type ExtensionOut = S['ExtensionOut']
export type ReturnOut = S['ReturnOut']

export type DispatchBody = S['DispatchBody']
export type ReturnBody = S['ReturnBody']
export type NoteBody = S['NoteBody']
export type ExtensionBody = S['ExtensionBody']
export type ExtensionDecisionBody = S['ExtensionDecisionBody']
export type ReplyBody = S['ReplyBody']
export type RevisitBody = S['RevisitBody']
export type ReopenBody = S['ReopenBody']
export type ScoreBody = S['ScoreBody']
export type CloseBody = S['CloseBody']
export type RejectBody = S['RejectBody']
export type MergeBody = S['MergeBody']
export type UrgeBody = S['UrgeBody']
export type AssignBody = S['AssignBody']
export type ReturnJudgementBody = S['ReturnJudgementBody']

/** The ticket an action applies to, at the version the user saw. */
export interface TicketVersion {
  id: number
  version: number
}

/** The If-Match header value for a ticket version: a quoted entity tag. */
export function ifMatch(version: number): string {
  return `"${version}"`
}

function params(t: TicketVersion) {
  return { path: { ticket_id: t.id }, header: { 'If-Match': ifMatch(t.version) } }
}

/* ---- reading ---- */

export async function getTicket(id: number, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.GET('/api/v1/tickets/{ticket_id}', { params: { path: { ticket_id: id } } }))
}

export async function listEvents(id: number, client: ApiClient = api): Promise<EventOut[]> {
  return unwrap(await client.GET('/api/v1/tickets/{ticket_id}/events', { params: { path: { ticket_id: id } } }))
}

export async function listAttachments(id: number, client: ApiClient = api): Promise<AttachmentOut[]> {
  return unwrap(await client.GET('/api/v1/tickets/{ticket_id}/attachments', { params: { path: { ticket_id: id } } }))
}

export async function listExtensions(id: number, client: ApiClient = api): Promise<ExtensionOut[]> {
  return unwrap(await client.GET('/api/v1/tickets/{ticket_id}/extensions', { params: { path: { ticket_id: id } } }))
}

export async function listReturns(id: number, client: ApiClient = api): Promise<ReturnOut[]> {
  return unwrap(await client.GET('/api/v1/tickets/{ticket_id}/returns', { params: { path: { ticket_id: id } } }))
}

/** An attachment's bytes (they need the bearer token, so no plain link can fetch them). */
export async function downloadAttachment(ticketId: number, attachmentId: number, client: ApiClient = api): Promise<Blob> {
  const res = await client.GET('/api/v1/tickets/{ticket_id}/attachments/{attachment_id}', {
    params: { path: { ticket_id: ticketId, attachment_id: attachmentId } },
    parseAs: 'blob',
  })
  return unwrap(res)
}

/** Add a file to a ticket (multipart); the server checks the type by content. */
export async function uploadAttachment(ticketId: number, file: File, client: ApiClient = api): Promise<AttachmentOut> {
  return unwrap(
    await client.POST('/api/v1/tickets/{ticket_id}/attachments', {
      params: { path: { ticket_id: ticketId } },
      // The schema types the multipart field as a string; the browser sends the File.
      body: { file: file.name },
      bodySerializer: () => {
        const data = new FormData()
        data.append('file', file)
        return data
      },
    }),
  )
}

/* ---- actions (each with If-Match) ---- */

export async function dispatchTicket(t: TicketVersion, body: DispatchBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/dispatch', { params: params(t), body }))
}

export async function returnTicket(t: TicketVersion, body: ReturnBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/return', { params: params(t), body }))
}

export async function acceptTicket(t: TicketVersion, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/accept', { params: params(t) }))
}

export async function addNote(t: TicketVersion, body: NoteBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/notes', { params: params(t), body }))
}

export async function requestExtension(t: TicketVersion, body: ExtensionBody, client: ApiClient = api): Promise<ExtensionOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/extensions', { params: params(t), body }))
}

export async function decideExtension(
  t: TicketVersion,
  extensionId: number,
  body: ExtensionDecisionBody,
  client: ApiClient = api,
): Promise<TicketOut> {
  const p = params(t)
  return unwrap(
    await client.POST('/api/v1/tickets/{ticket_id}/extensions/{extension_id}/decision', {
      params: { ...p, path: { ...p.path, extension_id: extensionId } },
      body,
    }),
  )
}

export async function replyTicket(t: TicketVersion, body: ReplyBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/reply', { params: params(t), body }))
}

export async function revisitTicket(t: TicketVersion, body: RevisitBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/revisit', { params: params(t), body }))
}

export async function reopenTicket(t: TicketVersion, body: ReopenBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/reopen', { params: params(t), body }))
}

export async function scoreTicket(t: TicketVersion, body: ScoreBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/score', { params: params(t), body }))
}

export async function closeTicket(t: TicketVersion, body: CloseBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/close', { params: params(t), body }))
}

export async function rejectTicket(t: TicketVersion, body: RejectBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/reject', { params: params(t), body }))
}

export async function withdrawTicket(t: TicketVersion, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/withdraw', { params: params(t) }))
}

export async function mergeTicket(t: TicketVersion, body: MergeBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/merge', { params: params(t), body }))
}

export async function urgeTicket(t: TicketVersion, body: UrgeBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/urge', { params: params(t), body }))
}

export async function assignTicket(t: TicketVersion, body: AssignBody, client: ApiClient = api): Promise<TicketOut> {
  return unwrap(await client.POST('/api/v1/tickets/{ticket_id}/assign', { params: params(t), body }))
}

export async function judgeReturn(
  t: TicketVersion,
  returnId: number,
  body: ReturnJudgementBody,
  client: ApiClient = api,
): Promise<ReturnOut> {
  const p = params(t)
  return unwrap(
    await client.POST('/api/v1/tickets/{ticket_id}/returns/{return_id}/judgement', {
      params: { ...p, path: { ...p.path, return_id: returnId } },
      body,
    }),
  )
}
