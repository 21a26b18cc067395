import type { RouteLocationRaw } from 'vue-router'

/**
 * "← 返回" from a record goes back to the list it was opened from, with that list's filters
 * (its URL) and scroll position. A list page remembers both when it is left (usePagedList's
 * `returnKey`); the back link pushes that URL with the scroll position in the history state, and
 * the list scrolls there once its rows are loaded. Kept in sessionStorage so a reload of the
 * record page still returns to the filtered list.
 */

const PREFIX = 'huiyin.list.'

interface Remembered {
  path: string
  y: number
}

/** Called by a list page when it is left. */
export function rememberListPosition(key: string, fullPath: string, y: number): void {
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify({ path: fullPath, y: Math.max(0, Math.round(y)) }))
  } catch {
    /* storage unavailable: the back link falls back to the plain list */
  }
}

function remembered(key: string, basePath: string): Remembered | null {
  try {
    const raw = sessionStorage.getItem(PREFIX + key)
    const v = raw ? (JSON.parse(raw) as Partial<Remembered>) : null
    // Only a path of this list (never an arbitrary URL someone planted in storage).
    if (v && typeof v.path === 'string' && (v.path === basePath || v.path.startsWith(`${basePath}?`))) {
      return { path: v.path, y: typeof v.y === 'number' && v.y >= 0 ? v.y : 0 }
    }
  } catch {
    /* ignore */
  }
  return null
}

/** Where a "← 返回" link to a list goes: the list as last seen, scrolled as it was. */
export function listReturnLocation(key: string, basePath: string): RouteLocationRaw {
  const r = remembered(key, basePath)
  if (!r) return { path: basePath }
  const url = new URL(r.path, 'http://x')
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of url.searchParams) {
    const had = query[k]
    query[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v]
  }
  return { path: url.pathname, query, state: { listScroll: r.y } }
}

/** The scroll position this visit of a list should return to (from the back link or browser back), or null. */
export function takeReturnScroll(): number | null {
  const state = (typeof window !== 'undefined' ? window.history.state : null) as {
    listScroll?: unknown
    scroll?: { top?: unknown } | null
  } | null
  const y = typeof state?.listScroll === 'number' ? state.listScroll : state?.scroll?.top
  return typeof y === 'number' && y > 0 ? y : null
}
