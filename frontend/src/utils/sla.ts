import type { components } from '@/api/schema'

export type SupervisionOrder = components['schemas']['SupervisionOut']
export type SlaPolicy = components['schemas']['SlaPolicyOut']
export type SlaPolicyBody = components['schemas']['SlaPolicyCreate']
export type SlaPolicyUpdateBody = components['schemas']['SlaPolicyUpdate']

/** The numeric values of a policy, in display order; null means "inherit". */
export const SLA_FIELDS = [
  'dispatch_days',
  'accept_days',
  'reply_days',
  'revisit_days',
  'score_days',
  'max_extensions',
  'max_extension_days',
  'reminder_lead_days',
] as const
export type SlaField = (typeof SLA_FIELDS)[number]

export type SlaForm = Record<SlaField, number | null> & {
  category_id: number | null
  urgency: 'normal' | 'urgent' | 'complex' | null
  note: string
}

export function emptySlaForm(): SlaForm {
  const values = Object.fromEntries(SLA_FIELDS.map((f) => [f, null])) as Record<SlaField, null>
  return { ...values, category_id: null, urgency: null, note: '' }
}

export function slaFormOf(p: SlaPolicy): SlaForm {
  const values = Object.fromEntries(SLA_FIELDS.map((f) => [f, p[f] ?? null])) as Record<SlaField, number | null>
  return { ...values, category_id: p.category_id ?? null, urgency: p.urgency ?? null, note: p.note ?? '' }
}

/** The request body: empty inputs (undefined, NaN) become null = inherit; the note is trimmed. */
export function slaBody(form: SlaForm): SlaPolicyBody {
  const body: Record<string, unknown> = {}
  for (const f of SLA_FIELDS) {
    const v = form[f]
    body[f] = typeof v === 'number' && Number.isFinite(v) ? v : null
  }
  body.note = form.note.trim() || null
  body.category_id = form.category_id
  body.urgency = form.urgency
  return body as SlaPolicyBody
}

/** The update body: the same values, without the scope (which cannot change; the API refuses
 * fields it does not know). */
export function slaUpdateBody(form: SlaForm): SlaPolicyUpdateBody {
  const { category_id: _category, urgency: _urgency, ...values } = slaBody(form)
  return values
}

/** "All categories · urgent" style scope label; the translation function supplies the words. */
export function slaScope(
  p: Pick<SlaPolicy, 'category_id' | 'category_name' | 'urgency'>,
  t: (key: string) => string,
): string {
  const cat = p.category_id == null ? t('sla.anyCategory') : (p.category_name ?? `#${p.category_id}`)
  const urg = p.urgency == null ? t('sla.anyUrgency') : t(`urgency.${p.urgency}`)
  return `${cat} · ${urg}`
}

/** Tag colour of an order's state; an open order past its deadline is red. */
export function orderTagType(o: Pick<SupervisionOrder, 'status' | 'overdue'>): 'danger' | 'warning' | 'success' | 'info' {
  if (o.status === 'closed') return 'success'
  if (o.status === 'acknowledged' || o.status === 'void') return 'info'
  return o.overdue ? 'danger' : 'warning'
}

/** Orders that still press their department (a void or closed order is over). */
export function isLiveOrder(o: Pick<SupervisionOrder, 'status'>): boolean {
  return o.status === 'open' || o.status === 'acknowledged'
}

/**
 * The committee may raise a supervision order by hand while a department holds the ticket and
 * that department has no live order on it yet (the server refuses otherwise: 409). Orders of a
 * department that returned the ticket are void and do not count.
 */
export function canRaiseSupervision(
  ticket: { status: string; lead_department?: { id: number } | null },
  orders: readonly (Pick<SupervisionOrder, 'status'> & { department: { id: number } })[],
): boolean {
  const lead = ticket.lead_department?.id
  if (lead == null || (ticket.status !== 'dispatched' && ticket.status !== 'accepted')) return false
  return !orders.some((o) => isLiveOrder(o) && o.department.id === lead)
}
