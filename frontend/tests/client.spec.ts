import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApiClient, type AuthHooks } from '@/api/client'
import { ME, json, problem, stubFetch, type Call } from './helpers'

function memoryHooks(access: string | null) {
  const state = { access, failures: 0, stored: [] as string[] }
  const hooks: AuthHooks = {
    getAccessToken: () => state.access,
    setAccessToken: (token) => {
      state.access = token
      state.stored.push(token)
    },
    onAuthFailure: () => {
      state.failures += 1
      state.access = null
    },
  }
  return { state, hooks }
}

/** What the server answers a cookie-mode refresh: the access token; the refresh token is in the cookie. */
const refreshed = (a: string) => ({ access_token: a, refresh_token: null, token_type: 'bearer', expires_in: 900 })

function expectCookieRefresh(c: Call) {
  expect(c.method).toBe('POST')
  expect(c.path).toBe('/api/v1/auth/refresh')
  expect(c.headers.get('x-huiyin-auth')).toBe('cookie')
  expect(c.credentials).toBe('same-origin')
  // no token of any kind leaves the page: the HttpOnly cookie is the browser's business
  expect(c.body).toBe('')
  expect(c.headers.get('authorization')).toBeNull()
}

describe('client auth middleware', () => {
  beforeEach(() => vi.unstubAllGlobals())

  it('adds the bearer token', async () => {
    const { calls } = stubFetch(() => json(ME))
    const { hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })
    const { data } = await api.GET('/api/v1/me')
    expect(data?.username).toBe('wang')
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer A1')
  })

  it('on 401 refreshes once with the refresh cookie, keeps the new access token and retries', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(refreshed('A2'))
      if (c.headers.get('authorization') === 'Bearer A2') return json({ items: [], next_cursor: null })
      return problem(401, 'not_authenticated', 'expired')
    })
    const { state, hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })

    const { data, error } = await api.GET('/api/v1/tickets', { params: { query: { limit: 10, q: '宿舍' } } })

    expect(error).toBeUndefined()
    expect(data).toEqual({ items: [], next_cursor: null })
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/tickets', '/api/v1/auth/refresh', '/api/v1/tickets'])
    expectCookieRefresh(calls[1]!)
    // the retry is the same request (same query) with the new token
    expect(calls[2]!.url).toBe(calls[0]!.url)
    expect(new URL(calls[2]!.url).searchParams.get('q')).toBe('宿舍')
    expect(calls[2]!.headers.get('authorization')).toBe('Bearer A2')
    expect(state.stored).toEqual(['A2'])
    expect(state.access).toBe('A2')
    expect(state.failures).toBe(0)
  })

  it('replays the request body on retry', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(refreshed('A2'))
      if (c.headers.get('authorization') === 'Bearer A2') return json({ id: 1 }, 201)
      return problem(401, 'not_authenticated', 'expired')
    })
    const { hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })
    await api.POST('/api/v1/tickets/{ticket_id}/notes', {
      params: { path: { ticket_id: 5 } },
      body: { content: '进展说明' } as never,
    })
    expect(calls).toHaveLength(3)
    expect(calls[2]!.method).toBe('POST')
    expect(calls[2]!.body).toBe(calls[0]!.body)
    expect(JSON.parse(calls[2]!.body)).toEqual({ content: '进展说明' })
  })

  it('when the refresh fails it logs out and does not retry', async () => {
    const { calls } = stubFetch((c) =>
      c.path === '/api/v1/auth/refresh'
        ? problem(401, 'invalid_refresh_token', 'sign in again')
        : problem(401, 'not_authenticated', 'expired'),
    )
    const { state, hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })
    const { error, response } = await api.GET('/api/v1/me')
    expect(response.status).toBe(401)
    expect((error as unknown as { code: string }).code).toBe('not_authenticated')
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/me', '/api/v1/auth/refresh'])
    expect(state.failures).toBe(1)
    expect(state.stored).toHaveLength(0)
  })

  it('retries only once: a second 401 after refreshing logs out', async () => {
    const { calls } = stubFetch((c) =>
      c.path === '/api/v1/auth/refresh' ? json(refreshed('A2')) : problem(401, 'not_authenticated', 'no'),
    )
    const { state, hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })
    const { response } = await api.GET('/api/v1/me')
    expect(response.status).toBe(401)
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/me', '/api/v1/auth/refresh', '/api/v1/me'])
    expect(state.failures).toBe(1)
  })

  it('concurrent 401s share a single refresh', async () => {
    const { calls } = stubFetch(async (c) => {
      if (c.path === '/api/v1/auth/refresh') {
        await new Promise((r) => setTimeout(r, 5))
        return json(refreshed('A2'))
      }
      return c.headers.get('authorization') === 'Bearer A2' ? json(ME) : problem(401, 'not_authenticated', 'x')
    })
    const { state, hooks } = memoryHooks('A1')
    const api = createApiClient({ hooks })
    const results = await Promise.all([api.GET('/api/v1/me'), api.GET('/api/v1/me'), api.GET('/api/v1/me')])
    expect(results.every((r) => r.response.status === 200)).toBe(true)
    expect(calls.filter((c) => c.path === '/api/v1/auth/refresh')).toHaveLength(1)
    expect(state.stored).toHaveLength(1)
  })

  it('refreshes in turn with the other tabs of the browser when Web Locks exist', async () => {
    const held: string[] = []
    const request = vi.fn(async (name: string, run: () => Promise<unknown>) => {
      held.push(name)
      return run()
    })
    vi.stubGlobal('navigator', { ...globalThis.navigator, locks: { request } })
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(refreshed('A2'))
      return c.headers.get('authorization') === 'Bearer A2' ? json(ME) : problem(401, 'not_authenticated', 'x')
    })
    const { hooks } = memoryHooks('A1')
    const { response } = await createApiClient({ hooks }).GET('/api/v1/me')
    expect(response.status).toBe(200)
    expect(held).toEqual(['huiyin-refresh'])
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/me', '/api/v1/auth/refresh', '/api/v1/me'])
  })

  it('a logout with an expired access token refreshes and logs out for real', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(refreshed('A2'))
      return c.headers.get('authorization') === 'Bearer A2' ? new Response(null, { status: 204 }) : problem(401, 'not_authenticated', 'x')
    })
    const { state, hooks } = memoryHooks('A1')
    const { response } = await createApiClient({ hooks }).POST('/api/v1/auth/logout')
    expect(response.status).toBe(204)
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/auth/logout', '/api/v1/auth/refresh', '/api/v1/auth/logout'])
    expect(state.failures).toBe(0)
  })

  it('does not try to refresh a failed login', async () => {
    const { calls } = stubFetch(() => problem(401, 'invalid_credentials', 'bad'))
    const { state, hooks } = memoryHooks(null)
    const api = createApiClient({ hooks })
    const { response } = await api.POST('/api/v1/auth/token', {
      body: { username: 'a', password: 'b', scope: '' },
      bodySerializer: (b) => new URLSearchParams(b as Record<string, string>).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(response.status).toBe(401)
    expect(calls).toHaveLength(1)
    expect(state.failures).toBe(0)
  })
})
