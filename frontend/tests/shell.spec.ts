/**
 * The app shell: one notifications poller that sleeps in hidden tabs, a route guard that signs
 * out only on a real 401, the preferences dialog that cannot save before it has loaded, and the
 * nav and admin tabs built from the routes' meta.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n } from '@/i18n'
import AppLayout from '@/layouts/AppLayout.vue'
import PreferencesDialog from '@/components/PreferencesDialog.vue'
import { createAppRouter } from '@/router'
import { activeNavPath, navItems, tabItems, type Viewer } from '@/router/nav'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import { useNotificationsStore } from '@/stores/notifications'
import { ME, json, problem, stubFetch } from './helpers'

const signedIn = (a: string) => ({ access_token: a, refresh_token: null, token_type: 'bearer', expires_in: 900 })

let visibility: DocumentVisibilityState = 'visible'
function setVisibility(state: DocumentVisibilityState) {
  visibility = state
  document.dispatchEvent(new Event('visibilitychange'))
}

beforeEach(() => {
  setActivePinia(createPinia())
  visibility = 'visible'
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility })
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('notifications store', () => {
  function countCalls() {
    const { calls } = stubFetch((c) =>
      c.path === '/api/v1/notifications/unread-count' ? json({ count: calls.length }) : json({}, 404),
    )
    return () => calls.filter((c) => c.path === '/api/v1/notifications/unread-count').length
  }

  it('runs one poller however many components start it, until the last one stops', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const polled = countCalls()
    const store = useNotificationsStore()
    store.start(1000)
    store.start(1000)
    store.start(1000)
    await flushPromises()
    expect(polled()).toBe(1)
    expect(store.unread).toBe(1) // the badge shows the server's answer

    await vi.advanceTimersByTimeAsync(3000)
    expect(polled()).toBe(4) // one request per interval, not three

    store.stop()
    store.stop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(polled()).toBe(5) // still one user left

    store.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(polled()).toBe(5)
  })

  it('asks nothing while the tab is hidden, and asks at once when it is shown again', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const polled = countCalls()
    const store = useNotificationsStore()
    store.start(1000)
    await flushPromises()
    expect(polled()).toBe(1)

    setVisibility('hidden')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(polled()).toBe(1)

    setVisibility('visible')
    await flushPromises()
    expect(polled()).toBe(2) // at once, not after a full interval
    await vi.advanceTimersByTimeAsync(1000)
    expect(polled()).toBe(3) // and polling again
    store.stop()
  })

  it('does not start polling in a tab that opens hidden', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    visibility = 'hidden'
    const polled = countCalls()
    const store = useNotificationsStore()
    store.start(1000)
    await vi.advanceTimersByTimeAsync(5000)
    expect(polled()).toBe(0)
    setVisibility('visible')
    await flushPromises()
    expect(polled()).toBe(1)
    store.stop()
  })

  it('shares the badge: a notice read lowers it and its tab, the summary sets both', async () => {
    stubFetch((c) =>
      c.path === '/api/v1/notifications/summary'
        ? json({ unread: { todo: 3, overdue: 2, supervision: 0, other: 1 }, batches: [] })
        : json({}, 404),
    )
    const store = useNotificationsStore()
    await store.loadSummary()
    expect(store.unread).toBe(6)
    store.markedRead(1, 'overdue')
    expect(store.unread).toBe(5)
    expect(store.summary?.unread.overdue).toBe(1)
    store.allRead()
    expect(store.unread).toBe(0)
    expect(store.summary?.unread.todo).toBe(0)
  })
})

describe('the route guard', () => {
  let refreshes = 0
  beforeEach(() => {
    refreshes = 0
  })

  /** A reload: no access token in memory, the refresh cookie answers as `refresh` says. */
  async function reload(handler: Parameters<typeof stubFetch>[0], path = '/tickets') {
    const failures: string[] = []
    const { calls } = stubFetch(handler)
    const auth = useAuthStore()
    installAuthHooks(auth, () => failures.push('auth-failure'))
    const router = createAppRouter(createMemoryHistory())
    await router.push(path)
    return { route: router.currentRoute.value, auth, calls, failures, router }
  }

  it('signs out when the server says 401 (the session is gone)', async () => {
    const { route, auth } = await reload((c) => {
      if (c.path === '/api/v1/auth/refresh') return problem(401, 'invalid_refresh_token', 'x')
      return problem(401, 'not_authenticated', 'x')
    })
    expect(route.name).toBe('login')
    expect(route.query.redirect).toBe('/tickets')
    expect(auth.isAuthenticated).toBe(false)
  })

  it('signs out when /me answers 401 and the refresh is refused', async () => {
    const { route, auth, failures } = await reload((c) => {
      if (c.path === '/api/v1/auth/refresh' && c.headers.get('x-huiyin-auth') === 'cookie') {
        // The first refresh (page load) works, the one after /me's 401 does not.
        return refreshes++ === 0 ? json(signedIn('A1')) : problem(401, 'invalid_refresh_token', 'x')
      }
      return problem(401, 'not_authenticated', 'x')
    })
    expect(route.name).toBe('login')
    expect(auth.isAuthenticated).toBe(false)
    expect(failures).toEqual(['auth-failure'])
  })
  it('keeps the session when /me answers 503, and the frame offers a retry', async () => {
    const { route, auth } = await reload((c) => {
      if (c.path === '/api/v1/auth/refresh') return json(signedIn('A2'))
      return problem(503, 'not_ready', 'starting')
    })
    expect(route.name).toBe('tickets')
    expect(auth.accessToken).toBe('A2')
    expect(auth.unavailable).toBe(true)
  })

  it('keeps the session when the network is down', async () => {
    const auth = useAuthStore()
    auth.setAccessToken('A3')
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    installAuthHooks(auth, () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets/4')
    expect(router.currentRoute.value.name).toBe('ticket')
    expect(auth.accessToken).toBe('A3')
    expect(auth.unavailable).toBe(true)
  })

  it('keeps the session when the access token expired and the refresh cannot reach the server', async () => {
    const auth = useAuthStore()
    auth.setAccessToken('OLD')
    const failures: string[] = []
    installAuthHooks(auth, () => failures.push('auth-failure'))
    stubFetch((c) => {
      if (c.path === '/api/v1/auth/refresh') return problem(503, 'busy', 'later')
      return problem(401, 'not_authenticated', 'expired')
    })
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets')
    expect(router.currentRoute.value.name).toBe('tickets')
    expect(failures).toEqual([])
    expect(auth.accessToken).toBe('OLD')
    expect(auth.unavailable).toBe(true)
  })

  it('on a reload while offline stays on the page instead of the login form', async () => {
    const { route, auth } = await reload(() => {
      throw new TypeError('Failed to fetch')
    }, '/supervision')
    expect(route.name).toBe('supervision')
    expect(auth.unavailable).toBe(true)
  })

  it('loads the page once the server is back (retry)', async () => {
    let up = false
    const { router, auth } = await reload((c) => {
      if (!up) return problem(503, 'not_ready', 'starting')
      if (c.path === '/api/v1/auth/refresh') return json(signedIn('A4'))
      return json(ME)
    })
    expect(auth.unavailable).toBe(true)
    up = true
    await router.replace({ path: '/tickets', force: true })
    expect(router.currentRoute.value.name).toBe('tickets')
    expect(auth.unavailable).toBe(false)
    expect(auth.me?.username).toBe('wang')
  })

  it('shows a college user the not-found page inside the frame on a page its unit may not see', async () => {
    const { route } = await reload((c) => (c.path === '/api/v1/auth/refresh' ? json(signedIn('A5')) : json(ME)), '/supervision?x=1')
    expect(route.name).toBe('not-found')
    expect(route.fullPath).toBe('/supervision?x=1')
    // The in-frame not-found page is a child of the app layout.
    expect(route.matched.map((r) => r.path)).toEqual(['/', '/:pathMatch(.*)*'])
  })

  it('shows an unknown URL inside the frame to a signed-in user and bare to a visitor', async () => {
    const user = await reload((c) => (c.path === '/api/v1/auth/refresh' ? json(signedIn('A6')) : json(ME)), '/no/such/page')
    expect(user.route.name).toBe('not-found')
    expect(user.route.matched).toHaveLength(2)
    setActivePinia(createPinia())
    const visitor = await reload(() => problem(401, 'invalid_refresh_token', 'x'), '/no/such/page')
    expect(visitor.route.name).toBe('public-not-found')
    expect(visitor.route.matched).toHaveLength(1)
    expect(visitor.route.fullPath).toBe('/no/such/page')
  })
})

describe('PreferencesDialog before it has loaded', () => {
  const saveButton = () => document.body.querySelector<HTMLButtonElement>('[data-test="prefs-save"]')!

  it('keeps Save disabled until the settings are in the form', async () => {
    let answer: (r: Response) => void = () => undefined
    const { calls } = stubFetch((c) =>
      c.method === 'GET' ? new Promise<Response>((ok) => (answer = ok)) : json(JSON.parse(c.body)),
    )
    const w = mount(PreferencesDialog, {
      props: { modelValue: true },
      global: { plugins: [createAppI18n('zh-CN')] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(saveButton().disabled).toBe(true)
    saveButton().click()
    await flushPromises()
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0)

    answer(json({ email: 'zhao@example.edu.cn', notify_email: 'digest' }))
    await flushPromises()
    expect(saveButton().disabled).toBe(false)
    saveButton().click()
    await flushPromises()
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(JSON.parse(patch.body)).toEqual({ email: 'zhao@example.edu.cn', notify_email: 'digest' })
    w.unmount()
  })

  it('never saves after a failed load (the stored address would be wiped); retry loads it', async () => {
    let fail = true
    const { calls } = stubFetch((c) => {
      if (c.method === 'GET') return fail ? problem(503, 'not_ready', 'starting') : json({ email: 'qian@example.edu.cn', notify_email: 'each' })
      return json(JSON.parse(c.body))
    })
    const w = mount(PreferencesDialog, {
      props: { modelValue: true },
      global: { plugins: [createAppI18n('zh-CN')] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(document.body.querySelector('[data-test="prefs-error"]')?.textContent).toContain('服务暂不可用')
    expect(saveButton().disabled).toBe(true)
    saveButton().click()
    document.body.querySelector('form')!.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0)

    fail = false
    document.body.querySelector<HTMLButtonElement>('[data-test="prefs-retry"]')!.click()
    await flushPromises()
    expect(saveButton().disabled).toBe(false)
    const el = document.body.querySelector('[data-test="prefs-email"]')!
    const input = (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement
    expect(input.value).toBe('qian@example.edu.cn')
    w.unmount()
  })
})

describe('the nav and admin tabs, from the routes meta', () => {
  const college: Viewer = { isAdmin: false, unitKind: 'college', role: 'staff' }
  const department: Viewer = { isAdmin: false, unitKind: 'department', role: 'head' }
  const committee: Viewer = { isAdmin: false, unitKind: 'committee', role: 'staff' }
  const admin: Viewer = { isAdmin: true, unitKind: 'committee', role: 'head' }

  it('lists for each user the pages they may open, in order', () => {
    const routes = createAppRouter(createMemoryHistory()).getRoutes()
    const paths = (who: Viewer) => navItems(routes, who).map((i) => i.path)
    expect(paths(college)).toEqual(['/', '/tickets', '/tickets/new'])
    expect(paths(department)).toEqual(['/', '/tickets', '/supervision'])
    expect(paths(committee)).toEqual(['/', '/tickets', '/supervision'])
    expect(paths(admin)).toEqual(['/', '/tickets', '/supervision', '/admin'])
    expect(navItems(routes, college).map((i) => i.title)).toEqual(['nav.workbench', 'nav.tickets', 'newTicket.title'])
  })

  it('makes a new page one route entry: its meta puts it in the nav and the tabs', () => {
    const router = createAppRouter(createMemoryHistory())
    router.addRoute({
      path: '/statistics',
      name: 'statistics',
      component: { template: '<div />' },
      meta: { title: 'statistics.title', nav: { order: 28 }, unitKinds: ['committee'] },
    })
    router.addRoute({
      path: '/admin/integrations',
      name: 'admin-integrations',
      component: { template: '<div />' },
      meta: { admin: true, title: 'admin.integrations', tab: { order: 60 } },
    })
    const routes = router.getRoutes()
    expect(navItems(routes, committee).map((i) => i.path)).toEqual(['/', '/tickets', '/statistics', '/supervision'])
    expect(navItems(routes, college).map((i) => i.path)).not.toContain('/statistics')
    expect(tabItems(routes, '/admin', admin).map((i) => i.path)).toEqual([
      '/admin/units',
      '/admin/users',
      '/admin/categories',
      '/admin/calendar',
      '/admin/sla',
      '/admin/integrations',
    ])
    expect(tabItems(routes, '/admin', committee)).toEqual([])
  })

  it('lights 工单 on a ticket page and on the committee new-ticket page, 管理 on admin pages, nothing on not-found', () => {
    const router = createAppRouter(createMemoryHistory())
    const routes = router.getRoutes()
    const lit = (path: string, who: Viewer) => activeNavPath(router.resolve(path), navItems(routes, who))
    expect(lit('/tickets/12', college)).toBe('/tickets')
    expect(lit('/tickets?status=submitted', college)).toBe('/tickets')
    expect(lit('/tickets/new', college)).toBe('/tickets/new')
    expect(lit('/tickets/new', committee)).toBe('/tickets')
    expect(lit('/admin/users', admin)).toBe('/admin')
    expect(lit('/', college)).toBe('/')
    expect(lit('/notifications', college)).toBeNull()
    expect(lit('/no/such/page', college)).toBeNull()
  })

  it('renders the header nav with 工单 active on a ticket page and 新建意见 for a college', async () => {
    stubFetch((c) => (c.path === '/api/v1/notifications/unread-count' ? json({ count: 2 }) : json({})))
    const pinia = createPinia()
    setActivePinia(pinia)
    const auth = useAuthStore()
    auth.setAccessToken('A')
    auth.me = ME as typeof auth.me
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets/12')
    const w = mount(AppLayout, {
      global: { plugins: [router, pinia, createAppI18n('zh-CN')], stubs: { RouterView: true } },
      attachTo: document.body,
    })
    await flushPromises()
    const link = (name: string) => w.find(`[data-test="nav-${name}"]`)
    expect(link('tickets').classes()).toContain('is-active')
    expect(link('tickets').attributes('aria-current')).toBe('page')
    expect(link('workbench').classes()).not.toContain('is-active')
    expect(link('ticket-new').text()).toBe('新建意见')
    expect(w.find('[data-test="nav-supervision"]').exists()).toBe(false)
    expect(w.find('[data-test="unread-badge"]').text()).toContain('2')
    w.unmount()
  })
})

describe('the notifications page', () => {
  it('lists the tab of the URL from the server, with unread counts per tab and the batch lines', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/notifications/summary') {
        return json({
          unread: { todo: 4, overdue: 23, supervision: 0, other: 1 },
          batches: [{ kind: 'ticket.overdue', group: 'overdue', count: 23, title: '今日 23 件超期', link: '/tickets?overdue=true' }],
        })
      }
      if (c.path === '/api/v1/notifications') {
        const group = new URL(c.url).searchParams.get('group')
        return json({
          items: [
            {
              id: group === 'overdue' ? 1 : 2,
              kind: group === 'overdue' ? 'ticket.overdue' : 'ticket.dispatch',
              group,
              title: group === 'overdue' ? '工单已超期' : '新工单待签收',
              body: '…',
              link: '/tickets/9',
              ticket_id: 9,
              created_at: '2026-03-10T10:00:00+08:00',
              read_at: null,
            },
          ],
          next_cursor: null,
        })
      }
      return json({}, 404)
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    const auth = useAuthStore()
    auth.setAccessToken('A')
    auth.me = ME as typeof auth.me
    const router = createAppRouter(createMemoryHistory())
    router.addRoute({ path: '/t', name: 'page-under-test', component: (await import('@/views/NotificationsView.vue')).default })
    await router.push('/t?group=overdue')
    const { RouterView } = await import('vue-router')
    const w = mount(RouterView, { global: { plugins: [router, pinia, createAppI18n('zh-CN')] }, attachTo: document.body })
    await flushPromises()

    const lists = () => calls.filter((c) => c.path === '/api/v1/notifications')
    expect(new URL(lists()[0]!.url).searchParams.get('group')).toBe('overdue')
    expect(w.findAll('[data-test="notification"]').map((n) => n.text())).toEqual([expect.stringContaining('工单已超期')])
    expect(w.find('[data-test="tab-count-overdue"]').text()).toBe('23')
    expect(w.find('[data-test="tab-count-supervision"]').exists()).toBe(false)
    expect(w.find('[data-test="batch"]').text()).toContain('今日 23 件超期')
    expect(w.find('[data-test="batch-link"]').attributes('href')).toBe('/tickets?overdue=true')
    expect(useNotificationsStore().unread).toBe(28)

    await w.find('[data-test="tab-todo"]').trigger('click')
    await flushPromises()
    expect(new URL(lists().at(-1)!.url).searchParams.get('group')).toBe('todo')
    expect(router.currentRoute.value.query.group).toBeUndefined() // the default tab leaves the URL clean
    expect(w.findAll('[data-test="notification"]').map((n) => n.text())).toEqual([expect.stringContaining('新工单待签收')])
    w.unmount()
  })
})
