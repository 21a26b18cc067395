import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { safeRedirect } from '@/utils/format'
import { adminGuard } from './adminGuard'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without logging in. */
    public?: boolean
    /** i18n key of the page title. */
    title?: string
    /** Committee admins only; others get the not-found page. */
    admin?: boolean
    /** Only users of these kinds of unit; others get the not-found page. */
    unitKinds?: string[]
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
            meta: { title: 'nav.workbench' },
          },
          {
            path: 'tickets',
            name: 'tickets',
            component: () => import('@/views/TicketListView.vue'),
            meta: { title: 'nav.tickets' },
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
            meta: { title: 'supervision.title', unitKinds: ['committee', 'department'] },
          },
          {
            path: 'tickets/new',
            name: 'ticket-new',
            component: () => import('@/views/NewTicketView.vue'),
            meta: { title: 'newTicket.title' },
          },
          {
            path: 'admin',
            component: () => import('@/views/admin/AdminLayout.vue'),
            meta: { admin: true, title: 'admin.menu' },
            children: [
              { path: '', redirect: '/admin/units' },
              {
                path: 'units',
                name: 'admin-units',
                component: () => import('@/views/admin/AdminUnitsView.vue'),
                meta: { admin: true, title: 'admin.units' },
              },
              {
                path: 'users',
                name: 'admin-users',
                component: () => import('@/views/admin/AdminUsersView.vue'),
                meta: { admin: true, title: 'admin.users' },
              },
              {
                path: 'categories',
                name: 'admin-categories',
                component: () => import('@/views/admin/AdminCategoriesView.vue'),
                meta: { admin: true, title: 'admin.categories' },
              },
              {
                path: 'calendar',
                name: 'admin-calendar',
                component: () => import('@/views/admin/AdminCalendarView.vue'),
                meta: { admin: true, title: 'admin.calendar' },
              },
              {
                path: 'sla',
                name: 'admin-sla',
                component: () => import('@/views/admin/AdminSlaView.vue'),
                meta: { admin: true, title: 'sla.menu' },
              },
            ],
          },
          {
            path: 'tickets/:id(\\d+)',
            name: 'ticket',
            component: () => import('@/views/TicketDetailView.vue'),
            props: (route) => ({ id: Number(route.params.id) }),
            meta: { title: 'nav.tickets' },
          },
        ],
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
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
    if (to.meta.public) return true
    if (!(await auth.restore())) {
      return { name: 'login', query: { redirect: to.fullPath } }
    }
    if (!auth.me) {
      try {
        await auth.fetchMe()
      } catch {
        auth.clear()
        return { name: 'login', query: { redirect: to.fullPath } }
      }
    }
    return adminGuard(to, auth.isAdmin, auth.me?.unit.kind)
  })

  return router
}
