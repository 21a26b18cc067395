/**
 * el-form rules built from the API's own limits (src/api/limits.ts, generated from openapi.json),
 * so a form refuses exactly what the server would refuse, with each field's own message; and
 * `validateAndScroll`, which validates a form and brings its first invalid field into view.
 */
import { nextTick } from 'vue'
import type { FormInstance, FormItemRule } from 'element-plus'
import { bodyLimits, paramLimits } from '@/api/limits'
import type { components, paths } from '@/api/schema'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** What the API says about one field (any subset). */
export interface FieldLimit {
  readonly required?: boolean
  readonly minLength?: number
  readonly maxLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
}

type Schemas = components['schemas']
/** Request bodies with at least one limit. */
export type LimitedBody = keyof typeof bodyLimits & keyof Schemas
type BodyField<B extends LimitedBody> = keyof Schemas[B] & string
type LimitedPath = keyof typeof paramLimits & keyof paths

/** The limits of one field of a request body (empty when the API sets none). */
export function bodyLimit<B extends LimitedBody>(body: B, field: BodyField<B>): FieldLimit {
  const fields: Partial<Record<string, FieldLimit>> = bodyLimits[body]
  return fields[field] ?? {}
}

/** The limits of one path parameter. */
export function paramLimit<P extends LimitedPath>(path: P, name: keyof (typeof paramLimits)[P] & string): FieldLimit {
  const params: Partial<Record<string, FieldLimit>> = paramLimits[path]
  return params[name] ?? {}
}

/** Length as the server counts it: Unicode code points, after trimming (the server trims). */
export function textLength(value: string): number {
  return [...value.trim()].length
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (typeof value === 'string') return value.trim() === ''
  if (Array.isArray(value)) return value.length === 0
  return false
}

/**
 * The i18n key and parameters of what is wrong with `value` under `limit`, or null when it is
 * fine. An empty optional field is fine whatever its other limits.
 */
export function checkValue(
  value: unknown,
  limit: FieldLimit,
  required = !!limit.required,
): { key: string; params: Record<string, unknown> } | null {
  if (isEmpty(value)) return required ? { key: 'forms.rules.required', params: {} } : null
  if (typeof value === 'string') {
    const n = textLength(value)
    const { minLength: min, maxLength: max } = limit
    const tooShort = min !== undefined && n < min
    const tooLong = max !== undefined && n > max
    if (tooShort || tooLong) {
      if (min !== undefined && max !== undefined && min > 1) return { key: 'forms.rules.lengthBetween', params: { min, max } }
      if (tooLong) return { key: 'forms.rules.maxLength', params: { max, n } }
      return { key: 'forms.rules.minLength', params: { min } }
    }
    if (limit.pattern !== undefined && !new RegExp(limit.pattern).test(value.trim())) {
      return { key: 'forms.rules.pattern', params: {} }
    }
    return null
  }
  if (typeof value === 'number') {
    const { minimum: min, maximum: max } = limit
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      return { key: 'forms.rules.between', params: { min, max } }
    }
  }
  return null
}

export interface FieldRuleOptions {
  /** Overrides the API's `required` (e.g. a field only needed when a switch is on). */
  required?: boolean
  /** When to check besides submitting; el-input fires blur and change. */
  trigger?: string | string[]
  /** An i18n key for the pattern message (the generic one says "format is not valid"). */
  patternMessage?: string
  /** An i18n key for an empty required field (the generic one says "please fill in"; a select says "choose"). */
  requiredMessage?: string
}

/**
 * One el-form rule for a field: messages are translated when the check runs, so a language switch
 * needs no rebuilt rules. `required: true` on the rule makes el-form-item show its asterisk.
 */
export function fieldRule(limit: FieldLimit, label: () => string, t: Translate, opts: FieldRuleOptions = {}): FormItemRule {
  const required = opts.required ?? !!limit.required
  return {
    required,
    trigger: opts.trigger ?? ['blur', 'change'],
    validator: (_rule: unknown, value: unknown, callback: (error?: Error) => void) => {
      const problem = checkValue(value, limit, required)
      if (!problem) return callback()
      const custom: Record<string, string | undefined> = {
        'forms.rules.pattern': opts.patternMessage,
        'forms.rules.required': opts.requiredMessage,
      }
      const key = custom[problem.key] ?? problem.key
      callback(new Error(t(key, { field: label(), ...problem.params })))
    },
  }
}

export interface BodyFieldSpec<B extends LimitedBody> extends FieldRuleOptions {
  /** The body field whose limits apply; defaults to the form prop's own name. */
  field?: BodyField<B>
  /** The field's label as the user sees it (also used in the message). */
  label: () => string
}

/**
 * el-form rules for the form props listed, each checked against the limits of a field of the API
 * body `body`: `rulesFor('TicketCreate', t, { title: { label: () => t('newTicket.subject') } })`.
 * Props whose names differ from the body's fields name it with `field`.
 */
export function rulesFor<B extends LimitedBody, P extends string>(
  body: B,
  t: Translate,
  specs: Record<P, BodyFieldSpec<B>>,
): Record<P, FormItemRule[]> {
  const out = {} as Record<P, FormItemRule[]>
  for (const prop of Object.keys(specs) as P[]) {
    const spec = specs[prop]
    const field = (spec.field ?? prop) as BodyField<B>
    out[prop] = [fieldRule(bodyLimit(body, field), spec.label, t, spec)]
  }
  return out
}

/** Shown while the form is off screen: the first invalid field, centred, with its input focused. */
export function scrollToFirstError(root: Element | null | undefined): HTMLElement | null {
  const item = root?.querySelector<HTMLElement>('.el-form-item.is-error') ?? null
  if (!item) return null
  const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false
  item.scrollIntoView?.({ block: 'center', behavior: reduced ? 'auto' : 'smooth' })
  const input = item.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), textarea:not([disabled])')
  input?.focus({ preventScroll: true })
  return item
}

/**
 * Validate every field of the el-form; when one fails, scroll to the first invalid field in the
 * page's order (not el-form's field order, which puts fields shown later last). True when valid.
 */
export async function validateAndScroll(form: FormInstance | null | undefined): Promise<boolean> {
  if (!form) return false
  const valid = await form.validate().catch(() => false)
  if (valid) return true
  await nextTick()
  scrollToFirstError(form.$el as Element | undefined)
  return false
}
