import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import { ApiError } from '@/api/problem'
import { ME, json, problem, stubFetch } from './helpers'

const signedIn = (a: string) => ({ access_token: a, refresh_token: null, token_type: 'bearer', expires_in: 900 })

/** Nothing about the session may be left where scripts can read it back. */
function expectNoTokensInStorage() {
  expect(localStorage.length).toBe(0)
  expect(sessionStorage.length).toBe(0)
}

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
    sessionStorage.clear()
  })

  it('logs in with a form-encoded password grant in cookie mode, keeps the access token in memory only and loads me', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/token') return json(signedIn('A1'))
      if (c.path === '/api/v1/me') return json(ME)
      return problem(404, 'not_found', 'nope')
    })
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)

    await auth.login('wang', 'p@ss word&1')

    const login = calls[0]!
    expect(login.method).toBe('POST')
    expect(login.path).toBe('/api/v1/auth/token')
    expect(login.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(login.headers.get('x-huiyin-auth')).toBe('cookie')
    const form = new URLSearchParams(login.body)
    expect(form.get('username')).toBe('wang')
    expect(form.get('password')).toBe('p@ss word&1')
    expect(form.get('grant_type')).toBe('password')
    expect(login.headers.get('authorization')).toBeNull()

    expect(auth.accessToken).toBe('A1')
    expect(auth.isAuthenticated).toBe(true)
    expectNoTokensInStorage()

    // /me was fetched with the new bearer token.
    expect(calls[1]!.path).toBe('/api/v1/me')
    expect(calls[1]!.headers.get('authorization')).toBe('Bearer A1')
    expect(auth.me?.display_name).toBe('王老师')
    expect(auth.isCollege).toBe(true)
    expect(auth.isCommittee).toBe(false)
    expect(auth.isDepartment).toBe(false)
    expect(auth.isAdmin).toBe(false)
  })

  it('rejects with the problem on invalid credentials and keeps nothing', async () => {
    stubFetch(() => problem(401, 'invalid_credentials', 'The username or password is incorrect.'))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    const err = await auth.login('wang', 'bad').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).problem.code).toBe('invalid_credentials')
    expect(auth.isAuthenticated).toBe(false)
    expectNoTokensInStorage()
  })

  it('exposes retry_after when login is throttled', async () => {
    stubFetch(() =>
      json({ type: 'x', title: 'Too Many Requests', status: 429, detail: 'later', code: 'login_throttled', retry_after: 57 }, 429, {
        'Retry-After': '57',
      }),
    )
    const auth = useAuthStore()
    const err = (await auth.login('wang', 'bad').catch((e: unknown) => e)) as ApiError
    expect(err.problem.code).toBe('login_throttled')
    expect(err.retryAfter).toBe(57)
  })

  it('after a page load, restores the session from the refresh cookie, once for concurrent callers', async () => {
    const { calls } = stubFetch((c) => (c.path === '/api/v1/auth/refresh' ? json(signedIn('A7')) : problem(404, 'not_found', 'x')))
    const auth = useAuthStore()
    expect(auth.isAuthenticated).toBe(false)

    const [a, b] = await Promise.all([auth.restore(), auth.restore()])

    expect([a, b]).toEqual([true, true])
    expect(auth.accessToken).toBe('A7')
    expect(calls).toHaveLength(1)
    expect(calls[0]!.path).toBe('/api/v1/auth/refresh')
    expect(calls[0]!.headers.get('x-huiyin-auth')).toBe('cookie')
    expect(calls[0]!.body).toBe('')
    expect(await auth.restore()).toBe(true) // signed in: no request
    expect(calls).toHaveLength(1)
    expectNoTokensInStorage()
  })

  it('without a live refresh cookie there is no session to restore', async () => {
    stubFetch(() => problem(401, 'invalid_refresh_token', 'sign in again'))
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(false)
    expect(auth.isAuthenticated).toBe(false)
  })

  it('logout posts to /auth/logout with the token and forgets the session', async () => {
    const { calls } = stubFetch(() => new Response(null, { status: 204 }))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    auth.setAccessToken('A9')
    auth.me = { ...ME, unit: { ...ME.unit, kind: 'committee' } } as typeof auth.me
    expect(auth.isCommittee).toBe(true)

    await auth.logout()

    expect(calls).toHaveLength(1)
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.path).toBe('/api/v1/auth/logout')
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer A9')
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.me).toBeNull()
  })

  it('logout still ends the session locally when the server is unreachable', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('network down') }))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    auth.setAccessToken('A9')
    await auth.logout()
    expect(auth.isAuthenticated).toBe(false)
  })
})

// The first visit of each page loads its lazy view (and the app layout): slow on a busy machine.
describe('a page reload', { timeout: 30_000 }, () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('stays on the page it was on when the refresh cookie still holds a session', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(signedIn('A3'))
      if (c.path === '/api/v1/me' && c.headers.get('authorization') === 'Bearer A3') return json(ME)
      return problem(401, 'not_authenticated', 'x')
    })
    installAuthHooks(useAuthStore(), () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets?status=replied')
    expect(router.currentRoute.value.name).toBe('tickets')
    expect(useAuthStore().me?.username).toBe('wang')
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/auth/refresh', '/api/v1/me'])
  })

  it('goes to the login page, and back after it, when there is no session', async () => {
    stubFetch(() => problem(401, 'invalid_refresh_token', 'sign in again'))
    installAuthHooks(useAuthStore(), () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets/5')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/tickets/5')
  })

  it('of the login page with a live session goes where the login would have led', async () => {
    stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(signedIn('A4'))
      return c.path === '/api/v1/me' ? json(ME) : json({ items: [], next_cursor: null })
    })
    installAuthHooks(useAuthStore(), () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/login?redirect=/tickets')
    expect(router.currentRoute.value.name).toBe('tickets')
  })
})
