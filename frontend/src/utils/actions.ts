/**
 * Ticket actions: which form fields each action shows, client-side validation,
 * and how a filled form becomes an API request (path, body, If-Match).
 * Kept free of Vue/Element Plus so it can be unit-tested; ActionDialog.vue renders it.
 */
import type { ApiClient } from '@/api/client'
import { ApiError, unwrap } from '@/api/problem'
import type { Problem } from '@/api/types'

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

export const RETURN_REASONS = ['not_our_remit', 'needs_info', 'duplicate', 'other'] as const
export const REVISIT_METHODS = ['phone', 'visit', 'online', 'self_confirmed'] as const
export const REVISIT_OUTCOMES = ['resolved', 'partly', 'unresolved'] as const
export const MERGE_STATUSES = ['submitted', 'dispatched', 'accepted', 'replied', 'revisited'] as const
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
  reason_code: (typeof RETURN_REASONS)[number] | null
  reason: string
  content: string
  internal: boolean
  days: number
  /** undefined until chosen (Element Plus radio groups do not take null). */
  approved: boolean | undefined
  method: (typeof REVISIT_METHODS)[number] | null
  outcome: (typeof REVISIT_OUTCOMES)[number] | undefined
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

export interface ActionRequest {
  /** Concrete path, e.g. /api/v1/tickets/42/dispatch */
  path: string
  /** JSON body; undefined for actions without one. */
  body?: Record<string, unknown>
}

/** Trimmed text, or null when empty (optional fields). */
function optional(v: string): string | null {
  const s = v.trim()
  return s ? s : null
}

/** Build the request for an action. Call validateAction first; this assumes a valid form. */
export function buildActionRequest(
  action: ActionName,
  ticketId: number,
  form: ActionForm,
  ctx: ActionContext = {},
): ActionRequest {
  const base = `/api/v1/tickets/${ticketId}`
  const iso = (d: Date | null) => (d ? d.toISOString() : null)
  switch (action) {
    case 'dispatch': {
      const body: Record<string, unknown> = {
        lead_department_id: form.lead_department_id,
        assisting_department_ids: [...new Set(form.assisting_department_ids)].filter(
          (id) => id !== form.lead_department_id,
        ),
        note: optional(form.note),
      }
      if (form.reply_due_at) body.reply_due_at = iso(form.reply_due_at)
      return { path: `${base}/dispatch`, body }
    }
    case 'return':
      return { path: `${base}/return`, body: { reason_code: form.reason_code, reason: form.reason.trim() } }
    case 'accept':
      return { path: `${base}/accept` }
    case 'note':
      return { path: `${base}/notes`, body: { content: form.content.trim(), internal: form.internal } }
    case 'request_extension':
      return { path: `${base}/extensions`, body: { days: form.days, reason: form.reason.trim() } }
    case 'decide_extension':
      return {
        path: `${base}/extensions/${ctx.extensionId}/decision`,
        body: { approved: form.approved === true, note: optional(form.note) },
      }
    case 'reply':
      return { path: `${base}/reply`, body: { content: form.content.trim() } }
    case 'revisit':
      return {
        path: `${base}/revisit`,
        body: { method: form.method, outcome: form.outcome, note: optional(form.note) },
      }
    case 'reopen': {
      const body: Record<string, unknown> = { reason: form.reason.trim() }
      if (form.reply_due_at) body.reply_due_at = iso(form.reply_due_at)
      return { path: `${base}/reopen`, body }
    }
    case 'score':
      return {
        path: `${base}/score`,
        body: {
          efficiency: form.efficiency,
          handling: form.handling,
          effect: form.effect,
          comment: optional(form.comment),
        },
      }
    case 'close':
      return { path: `${base}/close`, body: { note: optional(form.note) } }
    case 'reject':
      return { path: `${base}/reject`, body: { reason: form.reason.trim() } }
    case 'withdraw':
      return { path: `${base}/withdraw` }
    case 'merge':
      return { path: `${base}/merge`, body: { primary_id: form.primary_id } }
    case 'urge':
      return { path: `${base}/urge`, body: { note: optional(form.note) } }
    case 'assign':
      return { path: `${base}/assign`, body: { handler_id: form.handler_id } }
    case 'judge_return':
      return {
        path: `${base}/returns/${ctx.returnId}/judgement`,
        body: { reasonable: form.reasonable === true, note: optional(form.note) },
      }
  }
}

/** The If-Match header value for a ticket version: a quoted entity tag. */
export function ifMatch(version: number): string {
  return `"${version}"`
}

/** openapi-fetch client seen with concrete (already filled-in) paths. */
type LooseClient = {
  POST(
    path: string,
    init: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>
}

/** Send an action request with If-Match; throws ApiError on failure. */
export async function sendAction(client: ApiClient, req: ActionRequest, version: number): Promise<unknown> {
  const loose = client as unknown as LooseClient
  const init: { body?: unknown; headers: Record<string, string> } = { headers: { 'If-Match': ifMatch(version) } }
  if (req.body !== undefined) init.body = req.body
  return unwrap(await loose.POST(req.path, init))
}

/** True for the optimistic-lock failure: someone else changed the ticket. */
export function isStaleVersion(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 412 || e.problem.code === 'stale_version')
}

export type ActionOutcome = { kind: 'ok' } | { kind: 'stale' } | { kind: 'error'; problem: Problem | null }

/**
 * Build, send and classify an action. `stale` means the caller should tell the user
 * the ticket was changed by someone else, reload it and close the dialog.
 * `problem` is null for network failures (not an ApiError).
 */
export async function runAction(
  client: ApiClient,
  action: ActionName,
  ticket: { id: number; version: number },
  form: ActionForm,
  ctx: ActionContext = {},
): Promise<ActionOutcome> {
  try {
    await sendAction(client, buildActionRequest(action, ticket.id, form, ctx), ticket.version)
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
