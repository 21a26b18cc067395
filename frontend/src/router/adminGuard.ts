import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'

/**
 * Routes marked `meta.admin` are for committee admins only. Everyone else gets
 * the not-found page at the same URL (the admin area is not advertised).
 */
export function adminGuard(
  to: Pick<RouteLocationNormalized, 'matched' | 'path' | 'query' | 'hash'>,
  isAdmin: boolean,
  unitKind?: string,
): true | RouteLocationRaw {
  const adminOnly = to.matched.some((r) => r.meta.admin)
  // Routes marked `meta.unitKinds` exist only for those kinds of unit (e.g. supervision orders
  // for the committee and departments); others get not-found, as for the admin area.
  const kinds = to.matched.flatMap((r) => r.meta.unitKinds ?? [])
  const kindOk = kinds.length === 0 || (unitKind !== undefined && kinds.includes(unitKind))
  if ((!adminOnly || isAdmin) && kindOk) return true
  return {
    name: 'not-found',
    params: { pathMatch: to.path.replace(/^\//, '').split('/') },
    query: to.query,
    hash: to.hash,
    replace: true,
  }
}
