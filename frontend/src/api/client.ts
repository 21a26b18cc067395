import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import type { TokenPair } from './types'

export type ApiClient = ReturnType<typeof createClient<paths>>

export interface AuthHooks {
  getAccessToken(): string | null
  getRefreshToken(): string | null
  /** Store a freshly rotated token pair. */
  setTokens(pair: TokenPair): void
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
/** Requests whose 401 means "bad credentials", not "expired token". */
const NO_REFRESH = ['/api/v1/auth/token', '/api/v1/auth/refresh', '/api/v1/auth/logout']

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname
  } catch {
    return url
  }
}

/**
 * Middleware: adds `Authorization: Bearer …`; on a 401 it refreshes the token
 * pair once (concurrent 401s share that one refresh) and retries the request
 * once; when that is not possible it calls `onAuthFailure`.
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
    const refreshToken = hooks.getRefreshToken()
    if (!refreshToken) return null
    try {
      const res = await opts.fetch(
        new Request(new URL(opts.baseUrl + REFRESH_PATH, globalThis.location?.href ?? 'http://localhost').href, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ refresh_token: refreshToken }),
        }),
      )
      if (!res.ok) return null
      const pair = (await res.json()) as TokenPair
      if (!pair?.access_token || !pair?.refresh_token) return null
      hooks.setTokens(pair)
      return pair.access_token
    } catch {
      return null
    }
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
  getRefreshToken: () => null,
  setTokens: () => undefined,
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
    getRefreshToken: () => hooks.getRefreshToken(),
    setTokens: (pair) => hooks.setTokens(pair),
    onAuthFailure: () => hooks.onAuthFailure(),
  },
})

export { problemMessage, isProblem, ApiError, unwrap } from './problem'
