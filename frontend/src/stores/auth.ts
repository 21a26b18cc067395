import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { COOKIE_MODE, api, refreshSession, setAuthHooks } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { Me } from '@/api/types'
import { useCatalogStore } from './catalog'

export type RestoreOutcome = 'ok' | 'none' | 'unavailable'

/**
 * The signed-in session. The access token lives in memory only (never in localStorage or
 * sessionStorage, where any script could read it); the refresh token lives in an HttpOnly cookie
 * that the server sets and no script sees. After a page load `restore()` trades that cookie for
 * a new access token.
 */
export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(null)
  const me = ref<Me | null>(null)
  /** The server could not be reached to resume the session or load the user (offline, 503):
   * the app frame offers a retry; the session is kept. */
  const unavailable = ref(false)
  let restoring: Promise<RestoreOutcome> | null = null
  // The same Pinia as this store's: sign-out forgets the catalogue, so the next user on this
  // tab loads it afresh.
  const catalog = useCatalogStore()

  const isAuthenticated = computed(() => accessToken.value !== null)
  const unitKind = computed(() => me.value?.unit.kind ?? null)
  const isCommittee = computed(() => unitKind.value === 'committee')
  const isDepartment = computed(() => unitKind.value === 'department')
  const isCollege = computed(() => unitKind.value === 'college')
  const isAdmin = computed(() => me.value?.is_admin === true)

  function setAccessToken(token: string): void {
    accessToken.value = token
  }

  /** Forget the session locally (no request), and what was loaded for it. */
  function clear(): void {
    accessToken.value = null
    me.value = null
    unavailable.value = false
    catalog.reset()
  }

  /**
   * Resume the session of the refresh cookie, if there is one; concurrent calls share one try.
   * `none`: the server says there is no session; `unavailable`: it could not be asked (offline,
   * 503), so whether there is one is unknown.
   */
  function restoreSession(): Promise<RestoreOutcome> {
    if (accessToken.value) return Promise.resolve('ok')
    restoring ??= refreshSession('', (input) => globalThis.fetch(input))
      .then((outcome): RestoreOutcome => {
        if (outcome.status === 'ok') {
          accessToken.value = outcome.token
          return 'ok'
        }
        return outcome.status === 'signed-out' ? 'none' : 'unavailable'
      })
      .finally(() => {
        restoring = null
      })
    return restoring
  }

  /** `restoreSession()` as "is there a session now". */
  async function restore(): Promise<boolean> {
    return (await restoreSession()) === 'ok'
  }

  async function fetchMe(): Promise<Me> {
    const data = unwrap(await api.GET('/api/v1/me'))
    me.value = data
    return data
  }

  /** OAuth2 password grant, sent as application/x-www-form-urlencoded, in cookie mode. */
  async function login(username: string, password: string): Promise<Me> {
    const pair = unwrap(
      await api.POST('/api/v1/auth/token', {
        body: { grant_type: 'password', username, password, scope: '' },
        bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...COOKIE_MODE },
      }),
    )
    setAccessToken(pair.access_token)
    try {
      return await fetchMe()
    } catch (e) {
      clear()
      throw e
    }
  }

  /** End the session on the server (which also clears the refresh cookie), then locally. */
  async function logout(): Promise<void> {
    if (accessToken.value) {
      try {
        await api.POST('/api/v1/auth/logout')
      } catch {
        /* the local session ends regardless */
      }
    }
    clear()
  }

  return {
    accessToken,
    me,
    unavailable,
    isAuthenticated,
    unitKind,
    isCommittee,
    isDepartment,
    isCollege,
    isAdmin,
    setAccessToken,
    clear,
    restoreSession,
    restore,
    fetchMe,
    login,
    logout,
  }
})

/** Connect the shared API client to this store; `onFailure` runs after the session is cleared. */
export function installAuthHooks(store: ReturnType<typeof useAuthStore>, onFailure: () => void): void {
  setAuthHooks({
    getAccessToken: () => store.accessToken,
    setAccessToken: (token) => store.setAccessToken(token),
    onAuthFailure: () => {
      store.clear()
      onFailure()
    },
  })
}
