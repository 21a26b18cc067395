import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router'
import { ApiError } from '@/api/problem'
import type { Me, UnitKind } from '@/api/types'
import type { NavIconName } from '@/components/NavIcon.vue'
import { useAuthStore } from '@/stores/auth'
import { safeRedirect } from '@/utils/format'
import { adminGuard } from './adminGuard'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without logging in. */
    public?: boolean
    /** i18n key of the page title (also the nav item's or tab's label). */
    title?: string
    /** Committee admins only; others get the not-found page. */
    admin?: boolean
    /** Only users of these kinds of unit; others get the not-found page. */
    unitKinds?: UnitKind[]
    /** Only users with these roles; others get the not-found page. */
    roles?: Me['role'][]
    /** An item of the main nav, in `order`; `unitKinds` narrows who sees the item (not the page). */
    nav?: { order: number; icon?: NavIconName; unitKinds?: UnitKind[] }
    /** A tab of its section's page (e.g. the admin pages), in `order`. */
    tab?: { order: number }
    /** The nav item (its path) lit on this page when the page is not an item itself. */
    navSection?: string
  }
}

/** Is someone signed in, with their `/me` loaded? `unavailable`: the server could not say. */
async function signedInUser(): Promise<'ok' | 'none' | 'unavailable'> {
  const auth = useAuthStore()
  const session = await auth.restoreSession()
  if (session !== 'ok') return session
  if (auth.me) return 'ok'
  try {
    await auth.fetchMe()
    return 'ok'
  } catch (e) {
    // Only the server saying 401 ends the session; offline, 503 … keep it for a retry.
    if (e instanceof ApiError && e.status === 401) {
      auth.clear()
      return 'none'
    }
    return 'unavailable'
  }
}

export function createAppRouter(history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      {
        path: '/login',
        name: 'login',
        component: () => import('@/views/LoginView.vue'),
        meta: { public: true, title: 'login.title' },
      },
      {
        path: '/public',
        component: () => import('@/layouts/PublicLayout.vue'),
        meta: { public: true },
        children: [
          { path: '', redirect: '/public/submit' },
          {
            path: 'submit',
            name: 'public-submit',
            component: () => import('@/views/public/PublicSubmitView.vue'),
            meta: { public: true, title: 'nav.publicSubmit' },
          },
          {
            path: 'lookup',
            name: 'public-lookup',
            component: () => import('@/views/public/PublicLookupView.vue'),
            meta: { public: true, title: 'nav.publicLookup' },
          },
        ],
      },
      {
        path: '/',
        component: () => import('@/layouts/AppLayout.vue'),
        children: [
          {
            path: '',
            name: 'workbench',
            component: () => import('@/views/WorkbenchView.vue'),
            meta: { title: 'nav.workbench', nav: { order: 10, icon: 'workbench' } },
          },
          {
            path: 'tickets',
            name: 'tickets',
            component: () => import('@/views/TicketListView.vue'),
            meta: { title: 'nav.tickets', nav: { order: 20, icon: 'tickets' } },
          },
          {
            path: 'notifications',
            name: 'notifications',
            component: () => import('@/views/NotificationsView.vue'),
            meta: { title: 'notifications.title' },
          },
          {
            path: 'supervision',
            name: 'supervision',
            component: () => import('@/views/supervision/SupervisionView.vue'),
            meta: {
              title: 'supervision.title',
              unitKinds: ['committee', 'department'],
              nav: { order: 30, icon: 'supervision' },
            },
          },
          {
            path: 'tickets/new',
            name: 'ticket-new',
            component: () => import('@/views/NewTicketView.vue'),
            // In the nav of colleges, whose daily work it is; the committee opens it from its
            // workbench, and its page lights 工单.
            meta: {
              title: 'newTicket.title',
              nav: { order: 25, icon: 'create', unitKinds: ['college'] },
              navSection: '/tickets',
            },
          },
          {
            path: 'admin',
            component: () => import('@/views/admin/AdminLayout.vue'),
            meta: { admin: true, title: 'admin.menu', nav: { order: 90, icon: 'admin' } },
            children: [
              { path: '', redirect: '/admin/units' },
              {
                path: 'units',
                name: 'admin-units',
                component: () => import('@/views/admin/AdminUnitsView.vue'),
                meta: { admin: true, title: 'admin.units', tab: { order: 10 } },
              },
              {
                path: 'users',
                name: 'admin-users',
                component: () => import('@/views/admin/AdminUsersView.vue'),
                meta: { admin: true, title: 'admin.users', tab: { order: 20 } },
              },
              {
                path: 'categories',
                name: 'admin-categories',
                component: () => import('@/views/admin/AdminCategoriesView.vue'),
                meta: { admin: true, title: 'admin.categories', tab: { order: 30 } },
              },
              {
                path: 'calendar',
                name: 'admin-calendar',
                component: () => import('@/views/admin/AdminCalendarView.vue'),
                meta: { admin: true, title: 'admin.calendar', tab: { order: 40 } },
              },
              {
                path: 'sla',
                name: 'admin-sla',
                component: () => import('@/views/admin/AdminSlaView.vue'),
                meta: { admin: true, title: 'sla.menu', tab: { order: 50 } },
              },
            ],
          },
          {
            path: 'tickets/:id(\\d+)',
            name: 'ticket',
            component: () => import('@/views/TicketDetailView.vue'),
            props: (route) => ({ id: Number(route.params.id) }),
            meta: { title: 'nav.tickets', navSection: '/tickets' },
          },
          {
            // Inside the frame: a signed-in user keeps the header and nav on an unknown URL or a
            // page their unit may not see.
            path: ':pathMatch(.*)*',
            name: 'not-found',
            component: () => import('@/views/NotFoundView.vue'),
            meta: { title: 'notFound.title' },
          },
        ],
      },
      {
        // The same URLs for visitors without a session (the guard picks one of the two).
        path: '/:pathMatch(.*)*',
        name: 'public-not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { public: true, title: 'notFound.title' },
      },
    ],
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })

  router.beforeEach(async (to) => {
    const auth = useAuthStore()
    if (to.name === 'login') {
      // A page reload keeps no token: the refresh cookie may still hold a session.
      return (await auth.restore()) ? safeRedirect(to.query.redirect) : true
    }
    if (to.name === 'not-found' || to.name === 'public-not-found') {
      // One URL, two pages: inside the frame for a signed-in user, bare for a visitor.
      const user = await signedInUser()
      auth.unavailable = user === 'unavailable'
      const want = user === 'none' ? 'public-not-found' : 'not-found'
      if (to.name === want) return true
      return { name: want, params: to.params, query: to.query, hash: to.hash, replace: true }
    }
    if (to.meta.public) return true
    const user = await signedInUser()
    if (user === 'none') return { name: 'login', query: { redirect: to.fullPath } }
    // The frame shows "cannot reach the server" with a retry instead of the page (whose access
    // rules cannot be checked without the user); the session stays.
    auth.unavailable = user === 'unavailable'
    if (user === 'unavailable') return true
    return adminGuard(to, auth.isAdmin, auth.unitKind, auth.me?.role)
  })

  return router
}
