import { ApiError, errorMessage } from '@/api/problem'

export type Translate = {
  (key: string): string
  (key: string, named: Record<string, unknown>): string
}

/**
 * A message for a failed admin call: `admin.errors.<code>` when the catalogue
 * has it, else the shared `errors.<code>` / the server's detail.
 */
export function adminError(e: unknown, t: Translate, te: (key: string) => boolean): string {
  const code = e instanceof ApiError ? e.problem.code : undefined
  if (code && te(`admin.errors.${code}`)) return t(`admin.errors.${code}`)
  return errorMessage(e, t, te)
}
