import type { Problem, ProblemCode } from './types'

type Translate = {
  (key: string): string
  (key: string, named: Record<string, unknown>): string
}
type HasKey = (key: string) => boolean

/** True when the value looks like an application/problem+json body. */
export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && ('code' in value || 'detail' in value)
}

/**
 * A human message for a problem: the translation of `errors.<code>` when the
 * catalogue has one, else the server's `detail`, else a generic message.
 * `te` defaults to "the translation differs from the key" so a plain `t` works.
 */
export function problemMessage(problem: unknown, t: Translate, te?: HasKey): string {
  const p: Problem = isProblem(problem) ? problem : {}
  const named: Record<string, unknown> = { ...p }
  if (p.code) {
    const key = `errors.${p.code}`
    const exists = te ? te(key) : t(key, named) !== key
    if (exists) return t(key, named)
  }
  if (typeof p.detail === 'string' && p.detail) return p.detail
  if (typeof problem === 'string' && problem) return problem
  return t('errors.unknown')
}

/** A failed API call, carrying the problem body and HTTP status. */
export class ApiError extends Error {
  readonly problem: Problem
  readonly status: number
  constructor(problem: unknown, status: number) {
    const p: Problem = isProblem(problem) ? problem : { detail: typeof problem === 'string' ? problem : undefined }
    super(p.detail || p.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.problem = p
    this.status = status
  }

  /** Seconds to wait, from the problem's `retry_after` or the Retry-After header. */
  get retryAfter(): number | null {
    const v = Number(this.problem.retry_after)
    return Number.isFinite(v) && v > 0 ? v : null
  }
}

/** Codes that mean "someone changed this record since you loaded it": reload, then decide again. */
export const STALE_CODES = ['stale_version', 'concurrent_update'] as const satisfies readonly ProblemCode[]

/**
 * True for an optimistic-lock failure: 412 (If-Match no longer matches) or a 409
 * `concurrent_update` (two writes raced on the server). Both mean the same to the user.
 */
export function isStaleVersion(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false
  const code = e.problem.code
  return e.status === 412 || (STALE_CODES as readonly string[]).includes(code ?? '')
}

/** Unwrap an openapi-fetch result: the data, or throw an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem: Problem = isProblem(result.error) ? { ...result.error } : {}
    if (problem.retry_after === undefined) {
      const header = Number(result.response.headers.get('Retry-After'))
      if (Number.isFinite(header) && header > 0) problem.retry_after = header
    }
    if (problem.status === undefined) problem.status = result.response.status
    throw new ApiError(problem, result.response.status)
  }
  return result.data as T
}

/** What to tell the user about a failed call: the problem's message, or "network error". */
export function errorMessage(e: unknown, t: Translate, te?: HasKey): string {
  return e instanceof ApiError ? problemMessage(e.problem, t, te) : t('errors.network')
}
