import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'
import { routeAllows, type Viewer } from './nav'

/**
 * Routes restricted by meta (`admin`, `unitKinds`, `roles`) exist only for those users. Everyone
 * else gets the not-found page at the same URL, inside the app's frame (the page is not
 * advertised, and the user keeps the nav to go elsewhere).
 */
export function adminGuard(
  to: Pick<RouteLocationNormalized, 'matched' | 'path' | 'query' | 'hash'>,
  isAdmin: boolean,
  unitKind?: string | null,
  role?: Viewer['role'],
): true | RouteLocationRaw {
  if (routeAllows(to.matched, { isAdmin, unitKind, role })) return true
  return notFoundAt(to)
}

/** The in-frame not-found page at `to`'s URL. */
export function notFoundAt(to: Pick<RouteLocationNormalized, 'path' | 'query' | 'hash'>): RouteLocationRaw {
  return {
    name: 'not-found',
    params: { pathMatch: to.path.replace(/^\//, '').split('/') },
    query: to.query,
    hash: to.hash,
    replace: true,
  }
}
