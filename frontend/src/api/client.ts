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
 * Trade the refresh cookie for a new access token (null: no live session). Tabs of one browser
 * share the cookie, and the server ends a session whose refresh token comes back after it was
 * rotated; a Web Lock makes the tabs refresh one after another, each with the current cookie.
 */
export async function refreshWithCookie(
  baseUrl: string,
  doFetch: (input: Request) => Promise<Response>,
): Promise<string | null> {
  const run = async (): Promise<string | null> => {
    try {
      const res = await doFetch(
        new Request(new URL(baseUrl + REFRESH_PATH, globalThis.location?.href ?? 'http://localhost').href, {
          method: 'POST',
          headers: { ...COOKIE_MODE, Accept: 'application/json' },
          credentials: 'same-origin',
        }),
      )
      if (!res.ok) return null
      const pair = (await res.json()) as Partial<TokenPair> | null
      return pair?.access_token || null
    } catch {
      return null
    }
  }
  const locks = globalThis.navigator?.locks
  return locks ? locks.request('huiyin-refresh', run) : run()
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
  let inflight: Promise<string | null> | null = null

  async function refresh(): Promise<string | null> {
    const token = await refreshWithCookie(opts.baseUrl, opts.fetch)
    if (token) hooks.setAccessToken(token)
    return token
  }

  function sharedRefresh(): Promise<string | null> {
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
      const token = current && `Bearer ${current}` !== sentWith ? current : await sharedRefresh()
      if (!token) {
        hooks.onAuthFailure()
        return undefined
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
