import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, setAuthHooks } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { Me, TokenPair } from '@/api/types'

export const ACCESS_KEY = 'huiyin.access_token'
export const REFRESH_KEY = 'huiyin.refresh_token'

function read(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key)
    else localStorage.setItem(key, value)
  } catch {
    /* storage unavailable: the session lives in memory only */
  }
}

export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(read(ACCESS_KEY))
  const refreshToken = ref<string | null>(read(REFRESH_KEY))
  const me = ref<Me | null>(null)

  const isAuthenticated = computed(() => accessToken.value !== null)
  const unitKind = computed(() => me.value?.unit.kind ?? null)
  const isCommittee = computed(() => unitKind.value === 'committee')
  const isDepartment = computed(() => unitKind.value === 'department')
  const isCollege = computed(() => unitKind.value === 'college')
  const isAdmin = computed(() => me.value?.is_admin === true)

  function setTokens(pair: Pick<TokenPair, 'access_token' | 'refresh_token'>): void {
    accessToken.value = pair.access_token
    refreshToken.value = pair.refresh_token
    write(ACCESS_KEY, pair.access_token)
    write(REFRESH_KEY, pair.refresh_token)
  }

  /** Forget the session locally (no request). */
  function clear(): void {
    accessToken.value = null
    refreshToken.value = null
    me.value = null
    write(ACCESS_KEY, null)
    write(REFRESH_KEY, null)
  }

  async function fetchMe(): Promise<Me> {
    const data = unwrap(await api.GET('/api/v1/me'))
    me.value = data
    return data
  }

  /** OAuth2 password grant, sent as application/x-www-form-urlencoded. */
  async function login(username: string, password: string): Promise<Me> {
    const pair = unwrap(
      await api.POST('/api/v1/auth/token', {
        body: { grant_type: 'password', username, password, scope: '' },
        bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    )
    setTokens(pair)
    try {
      return await fetchMe()
    } catch (e) {
      clear()
      throw e
    }
  }

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
    refreshToken,
    me,
    isAuthenticated,
    unitKind,
    isCommittee,
    isDepartment,
    isCollege,
    isAdmin,
    setTokens,
    clear,
    fetchMe,
    login,
    logout,
  }
})

/** Connect the shared API client to this store; `onFailure` runs after the session is cleared. */
export function installAuthHooks(store: ReturnType<typeof useAuthStore>, onFailure: () => void): void {
  setAuthHooks({
    getAccessToken: () => store.accessToken,
    getRefreshToken: () => store.refreshToken,
    setTokens: (pair) => store.setTokens(pair),
    onAuthFailure: () => {
      store.clear()
      onFailure()
    },
  })
}
