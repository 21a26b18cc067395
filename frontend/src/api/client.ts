import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import type { TokenPair } from './types'

export type ApiClient = ReturnType<typeof createClient<paths>>

export interface AuthHooks {
  getAccessToken(): string | null
  /** Keep a fresh access token (in memory only; the refresh token stays in its cookie). */
  setAccessToken(token: string): void
  /** Refresh failed or was impossible: forget the session and go to the login page. */
  onAuthFailure(): void
}

export interface ApiClientOptions {
  baseUrl?: string
  /** Resolved at call time so tests can stub globalThis.fetch. */
  fetch?: (input: Request) => Promise<Response>
  hooks: AuthHooks
}

const REFRESH_PATH = '/api/v1/auth/refresh'
/** Requests whose 401 means "bad credentials", not "expired token". Logout is not one of them:
 * with an expired access token it must refresh and retry, or the session (and its cookie) would
 * outlive the logout. */
const NO_REFRESH = ['/api/v1/auth/token', '/api/v1/auth/refresh']

/**
 * Sign-in and refresh send this header: the server then keeps the refresh token in an
 * HttpOnly cookie scoped to /api/v1/auth (no script can read it) instead of the JSON body.
 */
export const COOKIE_MODE = { 'X-Huiyin-Auth': 'cookie' } as const

/**
 * What a refresh came to: a new access token; `signed-out` when the server answered 401 (no live
 * session: only this may end it in the app); `unavailable` when it could not be asked or did not
 * answer properly (offline, 5xx, 429): the session may well be alive, so it is kept.
 */
export type RefreshOutcome = { status: 'ok'; token: string } | { status: 'signed-out' } | { status: 'unavailable' }

/**
 * Trade the refresh cookie for a new access token. Tabs of one browser share the cookie, and the
 * server ends a session whose refresh token comes back after it was rotated; a Web Lock makes the
 * tabs refresh one after another, each with the current cookie.
 */
export async function refreshSession(
  baseUrl: string,
  doFetch: (input: Request) => Promise<Response>,
): Promise<RefreshOutcome> {
  const run = async (): Promise<RefreshOutcome> => {
    try {
      const res = await doFetch(
        new Request(new URL(baseUrl + REFRESH_PATH, globalThis.location?.href ?? 'http://localhost').href, {
          method: 'POST',
          headers: { ...COOKIE_MODE, Accept: 'application/json' },
          credentials: 'same-origin',
        }),
      )
      if (res.status === 401) return { status: 'signed-out' }
      if (!res.ok) return { status: 'unavailable' }
      const pair = (await res.json()) as Partial<TokenPair> | null
      return pair?.access_token ? { status: 'ok', token: pair.access_token } : { status: 'unavailable' }
    } catch {
      return { status: 'unavailable' }
    }
  }
  const locks = globalThis.navigator?.locks
  return locks ? locks.request('huiyin-refresh', run) : run()
}

/** `refreshSession` as a token or null (no token, for whatever reason). */
export async function refreshWithCookie(
  baseUrl: string,
  doFetch: (input: Request) => Promise<Response>,
): Promise<string | null> {
  const outcome = await refreshSession(baseUrl, doFetch)
  return outcome.status === 'ok' ? outcome.token : null
}

/** Thrown in place of a 401 whose refresh could not reach the server: a network failure, not a
 * sign-out (callers show "cannot reach the server", and the session stays). */
export class RefreshUnavailableError extends Error {
  constructor() {
    super('The session could not be refreshed: the server is unreachable.')
    this.name = 'RefreshUnavailableError'
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname
  } catch {
    return url
  }
}

/**
 * Middleware: adds `Authorization: Bearer …`; on a 401 it refreshes the access
 * token once with the refresh cookie (concurrent 401s share that one refresh)
 * and retries the request once; when that is not possible it calls `onAuthFailure`.
 */
export function authMiddleware(opts: {
  baseUrl: string
  fetch: (input: Request) => Promise<Response>
  hooks: AuthHooks
}): Middleware {
  const { hooks } = opts
  const copies = new WeakMap<Request, Request>()
  let inflight: Promise<RefreshOutcome> | null = null

  async function refresh(): Promise<RefreshOutcome> {
    const outcome = await refreshSession(opts.baseUrl, opts.fetch)
    if (outcome.status === 'ok') hooks.setAccessToken(outcome.token)
    return outcome
  }

  function sharedRefresh(): Promise<RefreshOutcome> {
    if (!inflight) {
      inflight = refresh().finally(() => {
        inflight = null
      })
    }
    return inflight
  }

  return {
    onRequest({ request }) {
      const token = hooks.getAccessToken()
      if (token && !request.headers.has('Authorization')) {
        request.headers.set('Authorization', `Bearer ${token}`)
      }
      if (!NO_REFRESH.includes(pathOf(request.url))) {
        // Keep an unread copy so the request can be sent again after a refresh.
        copies.set(request, request.clone())
      }
      return request
    },
    async onResponse({ request, response }) {
      if (response.status !== 401) return undefined
      const copy = copies.get(request)
      copies.delete(request)
      if (!copy) return undefined
      const sentWith = request.headers.get('Authorization')
      const current = hooks.getAccessToken()
      // Another request already rotated the pair while this one was in flight: just retry.
      let token = current && `Bearer ${current}` !== sentWith ? current : null
      if (!token) {
        const outcome = await sharedRefresh()
        // Offline or a server in trouble is no sign-out: fail this request as a network error.
        if (outcome.status === 'unavailable') throw new RefreshUnavailableError()
        if (outcome.status === 'signed-out') {
          hooks.onAuthFailure()
          return undefined
        }
        token = outcome.token
      }
      copy.headers.set('Authorization', `Bearer ${token}`)
      const retried = await opts.fetch(copy)
      if (retried.status === 401) hooks.onAuthFailure()
      return retried
    },
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? ''
  const doFetch = options.fetch ?? ((input: Request) => globalThis.fetch(input))
  const client = createClient<paths>({ baseUrl, fetch: doFetch })
  client.use(authMiddleware({ baseUrl, fetch: doFetch, hooks: options.hooks }))
  return client
}

/* ---- the app's client, wired to the auth store and router (set up in main.ts) ---- */

let hooks: AuthHooks = {
  getAccessToken: () => null,
  setAccessToken: () => undefined,
  onAuthFailure: () => undefined,
}

/** Install the hooks the shared client uses (the auth store calls this). */
export function setAuthHooks(next: AuthHooks): void {
  hooks = next
}

export const api: ApiClient = createApiClient({
  baseUrl: '',
  hooks: {
    getAccessToken: () => hooks.getAccessToken(),
    setAccessToken: (token) => hooks.setAccessToken(token),
    onAuthFailure: () => hooks.onAuthFailure(),
  },
})

export { problemMessage, isProblem, ApiError, unwrap } from './problem'
