/**
 * Ticket actions: which form fields each action shows, client-side validation,
 * and how a filled form becomes a typed API call (src/api/tickets.ts, with If-Match).
 * Kept free of Vue/Element Plus so it can be unit-tested; ActionDialog.vue renders it.
 */
import type { ApiClient } from '@/api/client'
import { ApiError, isStaleVersion } from '@/api/problem'
import type { components } from '@/api/schema'
import * as tickets from '@/api/tickets'
import {
  ifMatch,
  type AssignBody,
  type CloseBody,
  type DispatchBody,
  type ExtensionBody,
  type ExtensionDecisionBody,
  type MergeBody,
  type NoteBody,
  type RejectBody,
  type ReopenBody,
  type ReplyBody,
  type ReturnBody,
  type ReturnJudgementBody,
  type RevisitBody,
  type ScoreBody,
  type TicketVersion,
  type UrgeBody,
} from '@/api/tickets'
import type { Problem } from '@/api/types'

type S = components['schemas']

/**
 * A list of every member of a schema union, checked both ways: a value the schema lacks fails
 * here, and so does a value the schema gained that the list lacks (the lists drive the selects).
 */
function allOf<T extends string>() {
  return <L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : 'missing a value of the schema')) => list
}

export const ACTION_NAMES = [
  'dispatch',
  'return',
  'accept',
  'note',
  'request_extension',
  'decide_extension',
  'reply',
  'revisit',
  'reopen',
  'score',
  'close',
  'reject',
  'withdraw',
  'merge',
  'urge',
  'assign',
  'judge_return',
] as const
export type ActionName = (typeof ACTION_NAMES)[number]

export const RETURN_REASONS = allOf<S['ReturnReason']>()(['not_our_remit', 'needs_info', 'duplicate', 'other'] as const)
export const REVISIT_METHODS = allOf<S['RevisitMethod']>()(['phone', 'visit', 'online', 'self_confirmed'] as const)
export const REVISIT_OUTCOMES = allOf<S['RevisitOutcome']>()(['resolved', 'partly', 'unresolved'] as const)
/** The states a ticket can be merged into (still open). */
export const MERGE_STATUSES = ['submitted', 'dispatched', 'accepted', 'replied', 'revisited'] as const satisfies readonly S['Status'][]
/** Working days per extension request (domain rule: at most 3). */
export const EXTENSION_DAYS = { min: 1, max: 3 } as const

export function isActionName(value: string): value is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(value)
}

/** One flat form model shared by all actions; each action reads only its fields. */
export interface ActionForm {
  lead_department_id: number | null
  assisting_department_ids: number[]
  reply_due_at: Date | null
  note: string
  reason_code: S['ReturnReason'] | null
  reason: string
  content: string
  internal: boolean
  days: number
  /** undefined until chosen (Element Plus radio groups do not take null). */
  approved: boolean | undefined
  method: S['RevisitMethod'] | null
  outcome: S['RevisitOutcome'] | undefined
  efficiency: number
  handling: number
  effect: number
  comment: string
  reasonable: boolean | undefined
  primary_id: number | null
  handler_id: number | null
}
export type FieldName = keyof ActionForm

export function emptyForm(): ActionForm {
  return {
    lead_department_id: null,
    assisting_department_ids: [],
    reply_due_at: null,
    note: '',
    reason_code: null,
    reason: '',
    content: '',
    internal: false,
    days: 1,
    approved: undefined,
    method: null,
    outcome: undefined,
    efficiency: 0,
    handling: 0,
    effect: 0,
    comment: '',
    reasonable: undefined,
    primary_id: null,
    handler_id: null,
  }
}

/** The fields each action's dialog shows, in order. An empty list means "confirm only". */
export const ACTION_FIELDS: Record<ActionName, readonly FieldName[]> = {
  dispatch: ['lead_department_id', 'assisting_department_ids', 'reply_due_at', 'note'],
  return: ['reason_code', 'reason'],
  accept: [],
  note: ['content', 'internal'],
  request_extension: ['days', 'reason'],
  decide_extension: ['approved', 'note'],
  reply: ['content'],
  revisit: ['method', 'outcome', 'note'],
  reopen: ['reason', 'reply_due_at'],
  score: ['efficiency', 'handling', 'effect', 'comment'],
  close: ['note'],
  reject: ['reason'],
  withdraw: [],
  merge: ['primary_id'],
  urge: ['note'],
  assign: ['handler_id'],
  judge_return: ['reasonable', 'note'],
}

/** Free-text fields: typing in one makes a draft worth keeping and closing worth asking about. */
export const TEXT_FIELDS = ['note', 'reason', 'content', 'comment'] as const satisfies readonly FieldName[]

/** True when the action's form holds typed text (blank space does not count). */
export function hasTypedText(action: ActionName, form: ActionForm): boolean {
  return TEXT_FIELDS.some((f) => ACTION_FIELDS[action].includes(f) && form[f].trim() !== '')
}

/** What a draft keeps of an action's form: its own fields, a date as ISO text (JSON has no Date). */
export type ActionDraft = Partial<Record<FieldName, unknown>>

export function draftOf(action: ActionName, form: ActionForm): ActionDraft {
  const out: ActionDraft = {}
  for (const f of ACTION_FIELDS[action]) {
    const v = form[f]
    out[f] = v instanceof Date ? v.toISOString() : Array.isArray(v) ? [...v] : v
  }
  return out
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0
const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (list as readonly string[]).includes(v)

/**
 * Put a stored draft back into the form. The draft came from storage, so every field is checked
 * against its type; anything else (an old format, a hand-edited entry) is skipped.
 */
export function applyDraft(action: ActionName, form: ActionForm, draft: unknown): void {
  if (typeof draft !== 'object' || draft === null) return
  const d = draft as Record<string, unknown>
  const fields = ACTION_FIELDS[action]
  const has = (f: FieldName) => fields.includes(f) && d[f] !== undefined
  for (const f of TEXT_FIELDS) if (has(f) && typeof d[f] === 'string') form[f] = d[f]
  if (has('internal') && typeof d.internal === 'boolean') form.internal = d.internal
  if (has('days') && typeof d.days === 'number') form.days = d.days
  for (const f of ['approved', 'reasonable'] as const) if (has(f) && typeof d[f] === 'boolean') form[f] = d[f]
  for (const f of ['efficiency', 'handling', 'effect'] as const) if (has(f) && typeof d[f] === 'number') form[f] = d[f]
  for (const f of ['lead_department_id', 'primary_id', 'handler_id'] as const) if (has(f) && isId(d[f])) form[f] = d[f]
  if (has('assisting_department_ids') && Array.isArray(d.assisting_department_ids) && d.assisting_department_ids.every(isId))
    form.assisting_department_ids = [...d.assisting_department_ids]
  if (has('reason_code') && oneOf(RETURN_REASONS)(d.reason_code)) form.reason_code = d.reason_code
  if (has('method') && oneOf(REVISIT_METHODS)(d.method)) form.method = d.method
  if (has('outcome') && oneOf(REVISIT_OUTCOMES)(d.outcome)) form.outcome = d.outcome
  if (has('reply_due_at') && typeof d.reply_due_at === 'string') {
    const at = new Date(d.reply_due_at)
    if (!Number.isNaN(at.getTime())) form.reply_due_at = at
  }
}

/** Extra ids some actions need, looked up when the dialog opens. */
export interface ActionContext {
  /** decide_extension: the pending extension. */
  extensionId?: number | null
  /** judge_return: the newest return not judged yet. */
  returnId?: number | null
  /** merge: the ticket being merged (a ticket cannot be merged into itself). */
  ticketId?: number
}

/** Map of field → i18n key of the problem with it. Empty when the form is valid. */
export type FormErrors = Partial<Record<FieldName | 'context', string>>

const MAX_TEXT: Partial<Record<FieldName, number>> = {
  note: 2000,
  reason: 2000,
  comment: 2000,
  content: 5000,
}

export function validateAction(
  action: ActionName,
  form: ActionForm,
  ctx: ActionContext = {},
  now: number = Date.now(),
): FormErrors {
  const errors: FormErrors = {}
  const text = (v: string) => v.trim()
  const needText = (field: 'reason' | 'content', min: number) => {
    const v = text(form[field])
    if (!v) errors[field] = 'actionForms.errors.required'
    else if (v.length < min) errors[field] = 'actionForms.errors.tooShort'
  }
  const maxOf = (field: FieldName) => (action === 'reply' && field === 'content' ? 20000 : MAX_TEXT[field])
  const futureDate = () => {
    if (form.reply_due_at && form.reply_due_at.getTime() <= now) errors.reply_due_at = 'actionForms.errors.pastDate'
  }

  switch (action) {
    case 'dispatch':
      if (form.lead_department_id == null) errors.lead_department_id = 'actionForms.errors.required'
      if (form.assisting_department_ids.length > 10) errors.assisting_department_ids = 'actionForms.errors.tooMany'
      futureDate()
      break
    case 'return':
      if (!form.reason_code) errors.reason_code = 'actionForms.errors.required'
      needText('reason', 2)
      break
    case 'note':
      needText('content', 1)
      break
    case 'request_extension':
      if (!Number.isInteger(form.days) || form.days < EXTENSION_DAYS.min || form.days > EXTENSION_DAYS.max)
        errors.days = 'actionForms.errors.days'
      needText('reason', 2)
      break
    case 'decide_extension':
      if (ctx.extensionId == null) errors.context = 'actionForms.noPendingExtension'
      if (form.approved === undefined) errors.approved = 'actionForms.errors.required'
      break
    case 'reply':
      needText('content', 2)
      break
    case 'revisit':
      if (!form.method) errors.method = 'actionForms.errors.required'
      if (!form.outcome) errors.outcome = 'actionForms.errors.required'
      break
    case 'reopen':
      needText('reason', 2)
      futureDate()
      break
    case 'score':
      for (const f of ['efficiency', 'handling', 'effect'] as const) {
        if (!Number.isInteger(form[f]) || form[f] < 1 || form[f] > 5) errors[f] = 'actionForms.errors.rate'
      }
      break
    case 'reject':
      needText('reason', 2)
      break
    case 'merge':
      if (form.primary_id == null) errors.primary_id = 'actionForms.errors.required'
      else if (ctx.ticketId != null && form.primary_id === ctx.ticketId) errors.primary_id = 'actionForms.errors.self'
      break
    case 'assign':
      if (form.handler_id == null) errors.handler_id = 'actionForms.errors.required'
      break
    case 'judge_return':
      if (ctx.returnId == null) errors.context = 'actionForms.noPendingReturn'
      if (form.reasonable === undefined) errors.reasonable = 'actionForms.errors.required'
      break
    default:
      break
  }
  for (const field of ACTION_FIELDS[action]) {
    const max = maxOf(field)
    const v = form[field]
    if (max && typeof v === 'string' && !errors[field] && v.trim().length > max) errors[field] = 'actionForms.errors.tooLong'
  }
  return errors
}

/** A filled form as the request it becomes: the action, its typed body and any extra id. */
export type ActionRequest =
  | { action: 'dispatch'; body: DispatchBody }
  | { action: 'return'; body: ReturnBody }
  | { action: 'accept' }
  | { action: 'note'; body: NoteBody }
  | { action: 'request_extension'; body: ExtensionBody }
  | { action: 'decide_extension'; extensionId: number; body: ExtensionDecisionBody }
  | { action: 'reply'; body: ReplyBody }
  | { action: 'revisit'; body: RevisitBody }
  | { action: 'reopen'; body: ReopenBody }
  | { action: 'score'; body: ScoreBody }
  | { action: 'close'; body: CloseBody }
  | { action: 'reject'; body: RejectBody }
  | { action: 'withdraw' }
  | { action: 'merge'; body: MergeBody }
  | { action: 'urge'; body: UrgeBody }
  | { action: 'assign'; body: AssignBody }
  | { action: 'judge_return'; returnId: number; body: ReturnJudgementBody }

/** Trimmed text, or null when empty (optional fields). */
function optional(v: string): string | null {
  const s = v.trim()
  return s ? s : null
}

/** A value validateAction guarantees; missing means the caller skipped validation (a bug). */
function given<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw new Error(`${field} is required: validate the form first`)
  return value
}

/** Build the request for an action. Call validateAction first; this assumes a valid form. */
export function buildActionRequest(action: ActionName, form: ActionForm, ctx: ActionContext = {}): ActionRequest {
  const iso = (d: Date | null) => (d ? d.toISOString() : null)
  switch (action) {
    case 'dispatch': {
      const lead = given(form.lead_department_id, 'lead_department_id')
      const body: DispatchBody = {
        lead_department_id: lead,
        assisting_department_ids: [...new Set(form.assisting_department_ids)].filter((id) => id !== lead),
        note: optional(form.note),
      }
      if (form.reply_due_at) body.reply_due_at = iso(form.reply_due_at)
      return { action, body }
    }
    case 'return':
      return { action, body: { reason_code: given(form.reason_code, 'reason_code'), reason: form.reason.trim() } }
    case 'accept':
      return { action }
    case 'note':
      return { action, body: { content: form.content.trim(), internal: form.internal } }
    case 'request_extension':
      return { action, body: { days: form.days, reason: form.reason.trim() } }
    case 'decide_extension':
      return {
        action,
        extensionId: given(ctx.extensionId, 'extensionId'),
        body: { approved: form.approved === true, note: optional(form.note) },
      }
    case 'reply':
      return { action, body: { content: form.content.trim() } }
    case 'revisit':
      return {
        action,
        body: { method: given(form.method, 'method'), outcome: given(form.outcome, 'outcome'), note: optional(form.note) },
      }
    case 'reopen': {
      const body: ReopenBody = { reason: form.reason.trim() }
      if (form.reply_due_at) body.reply_due_at = iso(form.reply_due_at)
      return { action, body }
    }
    case 'score':
      return {
        action,
        body: { efficiency: form.efficiency, handling: form.handling, effect: form.effect, comment: optional(form.comment) },
      }
    case 'close':
      return { action, body: { note: optional(form.note) } }
    case 'reject':
      return { action, body: { reason: form.reason.trim() } }
    case 'withdraw':
      return { action }
    case 'merge':
      return { action, body: { primary_id: given(form.primary_id, 'primary_id') } }
    case 'urge':
      return { action, body: { note: optional(form.note) } }
    case 'assign':
      return { action, body: { handler_id: given(form.handler_id, 'handler_id') } }
    case 'judge_return':
      return {
        action,
        returnId: given(ctx.returnId, 'returnId'),
        body: { reasonable: form.reasonable === true, note: optional(form.note) },
      }
  }
}

/** Send an action with If-Match through its typed API function; throws ApiError on failure. */
export async function sendAction(client: ApiClient, ticket: TicketVersion, req: ActionRequest): Promise<unknown> {
  switch (req.action) {
    case 'dispatch':
      return tickets.dispatchTicket(ticket, req.body, client)
    case 'return':
      return tickets.returnTicket(ticket, req.body, client)
    case 'accept':
      return tickets.acceptTicket(ticket, client)
    case 'note':
      return tickets.addNote(ticket, req.body, client)
    case 'request_extension':
      return tickets.requestExtension(ticket, req.body, client)
    case 'decide_extension':
      return tickets.decideExtension(ticket, req.extensionId, req.body, client)
    case 'reply':
      return tickets.replyTicket(ticket, req.body, client)
    case 'revisit':
      return tickets.revisitTicket(ticket, req.body, client)
    case 'reopen':
      return tickets.reopenTicket(ticket, req.body, client)
    case 'score':
      return tickets.scoreTicket(ticket, req.body, client)
    case 'close':
      return tickets.closeTicket(ticket, req.body, client)
    case 'reject':
      return tickets.rejectTicket(ticket, req.body, client)
    case 'withdraw':
      return tickets.withdrawTicket(ticket, client)
    case 'merge':
      return tickets.mergeTicket(ticket, req.body, client)
    case 'urge':
      return tickets.urgeTicket(ticket, req.body, client)
    case 'assign':
      return tickets.assignTicket(ticket, req.body, client)
    case 'judge_return':
      return tickets.judgeReturn(ticket, req.returnId, req.body, client)
  }
}

export { ifMatch, isStaleVersion }

export type ActionOutcome = { kind: 'ok' } | { kind: 'stale' } | { kind: 'error'; problem: Problem | null }

/**
 * Build, send and classify an action. `stale` means the caller should tell the user
 * the ticket was changed by someone else, reload it and close the dialog.
 * `problem` is null for network failures (not an ApiError).
 */
export async function runAction(
  client: ApiClient,
  action: ActionName,
  ticket: TicketVersion,
  form: ActionForm,
  ctx: ActionContext = {},
): Promise<ActionOutcome> {
  try {
    await sendAction(client, ticket, buildActionRequest(action, form, ctx))
    return { kind: 'ok' }
  } catch (e) {
    if (isStaleVersion(e)) return { kind: 'stale' }
    return { kind: 'error', problem: e instanceof ApiError ? e.problem : null }
  }
}

/* ---- look-ups for the dialogs ---- */

export interface PendingItem {
  id: number
  status?: string
  reasonable?: boolean | null
  created_at: string
}

/** The pending extension request (status "pending"), newest first. */
export function pickPendingExtension<T extends PendingItem>(items: readonly T[]): T | null {
  return newest(items.filter((x) => x.status === 'pending'))
}

/** The newest return whose reasonableness has not been judged. */
export function pickUnjudgedReturn<T extends PendingItem>(items: readonly T[]): T | null {
  return newest(items.filter((x) => x.reasonable === null || x.reasonable === undefined))
}

function newest<T extends PendingItem>(items: T[]): T | null {
  if (!items.length) return null
  return [...items].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)[0] ?? null
}
