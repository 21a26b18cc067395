import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'

/**
 * Routes marked `meta.admin` are for committee admins only. Everyone else gets
 * the not-found page at the same URL (the admin area is not advertised).
 */
export function adminGuard(
  to: Pick<RouteLocationNormalized, 'matched' | 'path' | 'query' | 'hash'>,
  isAdmin: boolean,
): true | RouteLocationRaw {
  if (!to.matched.some((r) => r.meta.admin)) return true
  if (isAdmin) return true
  return {
    name: 'not-found',
    params: { pathMatch: to.path.replace(/^\//, '').split('/') },
    query: to.query,
    hash: to.hash,
    replace: true,
  }
}
