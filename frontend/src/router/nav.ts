/**
 * The main nav and the admin tabs are read off the routes' meta, so a new page is one route
 * entry: its title, where it sits (`nav.order` / `tab.order`), its icon and who may see it.
 */
import type { RouteLocationNormalizedLoaded, RouteMeta, RouteRecordNormalized } from 'vue-router'
import type { NavIconName } from '@/components/NavIcon.vue'
import type { Me, UnitKind } from '@/api/types'

/** Who is looking: what the route meta's restrictions are checked against. */
export interface Viewer {
  isAdmin: boolean
  /** `Me.unit.kind` (a plain string in the schema's UnitRef). */
  unitKind?: string | null
  role?: Me['role'] | null
}

export interface NavItem {
  /** Absolute path of the route, used as the link and the item's key. */
  path: string
  /** i18n key. */
  title: string
  icon?: NavIconName
  order: number
  /** Route name, for `data-test` hooks (`nav-<name>`). */
  name: string
}

function kindIn(kinds: readonly UnitKind[], kind: string | null | undefined): boolean {
  return kind != null && (kinds as readonly string[]).includes(kind)
}

/** May `who` open a page with this meta (admin only, unit kinds, roles)? */
export function metaAllows(meta: RouteMeta, who: Viewer): boolean {
  if (meta.admin && !who.isAdmin) return false
  if (meta.unitKinds && !kindIn(meta.unitKinds, who.unitKind)) return false
  if (meta.roles && !(who.role && meta.roles.includes(who.role))) return false
  return true
}

/** May `who` open a route whose matched records carry these metas (every level must allow it)? */
export function routeAllows(matched: readonly { meta: RouteMeta }[], who: Viewer): boolean {
  return matched.every((r) => metaAllows(r.meta, who))
}

function itemName(r: RouteRecordNormalized): string {
  if (typeof r.name === 'string') return r.name
  return r.path.replace(/^\//, '').replace(/\//g, '-') || 'home'
}

/** The main nav for `who`: routes with `meta.nav` they may open, in `nav.order`. */
export function navItems(routes: readonly RouteRecordNormalized[], who: Viewer): NavItem[] {
  return routes
    .filter((r) => r.meta.nav && r.meta.title && metaAllows(r.meta, who))
    .filter((r) => {
      const kinds = r.meta.nav?.unitKinds
      return !kinds || kindIn(kinds, who.unitKind)
    })
    .map((r) => ({
      path: r.path,
      title: r.meta.title!,
      icon: r.meta.nav!.icon,
      order: r.meta.nav!.order,
      name: itemName(r),
    }))
    .sort((a, b) => a.order - b.order)
}

/** The tabs of the section at `parentPath` (e.g. /admin): its child routes with `meta.tab`. */
export function tabItems(routes: readonly RouteRecordNormalized[], parentPath: string, who: Viewer): NavItem[] {
  const prefix = `${parentPath.replace(/\/$/, '')}/`
  return routes
    .filter((r) => r.meta.tab && r.meta.title && r.path.startsWith(prefix) && metaAllows(r.meta, who))
    .map((r) => ({ path: r.path, title: r.meta.title!, order: r.meta.tab!.order, name: itemName(r) }))
    .sort((a, b) => a.order - b.order)
}

/**
 * The nav item lit on `route`: the deepest matched route that is itself an item, or that names
 * one in `meta.navSection` (a ticket page lights 工单). Layout routes without nav meta never
 * light anything, so a not-found page inside the frame lights nothing.
 */
export function activeNavPath(
  route: Pick<RouteLocationNormalizedLoaded, 'matched'>,
  items: readonly NavItem[],
): string | null {
  const paths = new Set(items.map((i) => i.path))
  for (const record of [...route.matched].reverse()) {
    if (record.meta.nav && paths.has(record.path)) return record.path
    const section = record.meta.navSection
    if (section && paths.has(section)) return section
  }
  return null
}
