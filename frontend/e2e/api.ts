/** Direct API calls for test set-up that is not itself under test (the browser does the rest). */
import { baseURL, DEMO_PASSWORD } from './support'

export interface Api {
  get: <T = Record<string, unknown>>(path: string) => Promise<T>
  post: <T = Record<string, unknown>>(path: string, body?: unknown) => Promise<T>
}

export async function apiAs(username: string, password = DEMO_PASSWORD): Promise<Api> {
  const res = await fetch(`${baseURL()}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  })
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`)
  const { access_token: token } = (await res.json()) as { access_token: string }
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${baseURL()}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`)
    return (await r.json()) as T
  }
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) }
}

export async function unitId(api: Api, name: string): Promise<number> {
  const units = await api.get<{ id: number; name: string }[]>('/units')
  const u = units.find((x) => x.name === name)
  if (!u) throw new Error(`no unit ${name}`)
  return u.id
}
