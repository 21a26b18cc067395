import { vi } from 'vitest'

export interface Call {
  method: string
  url: string
  path: string
  headers: Headers
  body: string
  credentials: RequestCredentials
}

type Handler = (call: Call) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  })
}

export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return json({ type: `urn:huiyin:problem:${code}`, title: 'x', status, detail, code, ...extra }, status)
}

/** Replace globalThis.fetch with a recorder that answers through `handler`. */
export function stubFetch(handler: Handler) {
  const calls: Call[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(String(input), init)
    const call: Call = {
      method: req.method,
      url: req.url,
      path: new URL(req.url).pathname,
      headers: req.headers,
      body: req.body ? await req.text() : '',
      credentials: req.credentials,
    }
    calls.push(call)
    return handler(call)
  })
  vi.stubGlobal('fetch', fn)
  return { calls, fn }
}

export const ME = {
  id: 7,
  username: 'wang',
  display_name: '王老师',
  role: 'staff',
  is_admin: false,
  unit: { id: 3, kind: 'college', name: '计算机学院', code: 'cs' },
}
