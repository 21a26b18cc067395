import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ACCESS_KEY, REFRESH_KEY, installAuthHooks, useAuthStore } from '@/stores/auth'
import { ApiError } from '@/api/problem'
import { ME, json, problem, stubFetch } from './helpers'

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('logs in with a form-encoded password grant, stores the tokens and loads me', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/token') return json({ access_token: 'A1', refresh_token: 'R1', token_type: 'bearer', expires_in: 900 })
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
    const form = new URLSearchParams(login.body)
    expect(form.get('username')).toBe('wang')
    expect(form.get('password')).toBe('p@ss word&1')
    expect(form.get('grant_type')).toBe('password')
    expect(login.headers.get('authorization')).toBeNull()

    expect(localStorage.getItem(ACCESS_KEY)).toBe('A1')
    expect(localStorage.getItem(REFRESH_KEY)).toBe('R1')
    expect(auth.isAuthenticated).toBe(true)

    // /me was fetched with the new bearer token.
    expect(calls[1]!.path).toBe('/api/v1/me')
    expect(calls[1]!.headers.get('authorization')).toBe('Bearer A1')
    expect(auth.me?.display_name).toBe('王老师')
    expect(auth.isCollege).toBe(true)
    expect(auth.isCommittee).toBe(false)
    expect(auth.isDepartment).toBe(false)
    expect(auth.isAdmin).toBe(false)
  })

  it('rejects with the problem on invalid credentials and stores nothing', async () => {
    stubFetch(() => problem(401, 'invalid_credentials', 'The username or password is incorrect.'))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    const err = await auth.login('wang', 'bad').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).problem.code).toBe('invalid_credentials')
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
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

  it('logout posts to /auth/logout with the token and clears everything', async () => {
    localStorage.setItem(ACCESS_KEY, 'A9')
    localStorage.setItem(REFRESH_KEY, 'R9')
    const { calls } = stubFetch(() => new Response(null, { status: 204 }))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    expect(auth.isAuthenticated).toBe(true)
    auth.me = { ...ME, unit: { ...ME.unit, kind: 'committee' } } as typeof auth.me
    expect(auth.isCommittee).toBe(true)

    await auth.logout()

    expect(calls).toHaveLength(1)
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.path).toBe('/api/v1/auth/logout')
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer A9')
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull()
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(auth.me).toBeNull()
  })

  it('logout still clears the session when the server is unreachable', async () => {
    localStorage.setItem(ACCESS_KEY, 'A9')
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('network down') }))
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    await auth.logout()
    expect(localStorage.getItem(ACCESS_KEY)).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
  })
})
