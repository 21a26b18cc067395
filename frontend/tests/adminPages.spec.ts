import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { createAppI18n, type AppLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import { useCatalogStore } from '@/stores/catalog'
import AdminCalendarView from '@/views/admin/AdminCalendarView.vue'
import AdminCategoriesView from '@/views/admin/AdminCategoriesView.vue'
import AdminUnitsView from '@/views/admin/AdminUnitsView.vue'
import AdminUsersView from '@/views/admin/AdminUsersView.vue'
import { ME, json, problem, stubFetch, type Call } from './helpers'

/** A controllable matchMedia (jsdom has none); useIsPhone listens to it once for the file. */
const media = { matches: false, listeners: [] as Array<(e: { matches: boolean }) => void> }
beforeAll(() => {
  window.matchMedia = ((query: string) => ({
    matches: media.matches,
    media: query,
    addEventListener: (_: string, fn: (e: { matches: boolean }) => void) => media.listeners.push(fn),
    removeEventListener: () => undefined,
  })) as unknown as typeof window.matchMedia
})
function setPhone(phone: boolean) {
  media.matches = phone
  media.listeners.forEach((fn) => fn({ matches: phone }))
}

const UNITS = [
  { id: 1, kind: 'committee', name: '委员会', code: 'cmt', is_active: true },
  { id: 5, kind: 'department', name: '教务处', code: 'jwc', is_active: false },
  { id: 6, kind: 'department', name: '后勤处', code: 'hq', is_active: true },
]
const CATEGORIES = [{ id: 2, name: '教学', default_department_id: 5, is_active: true }]
const USERS = [
  { ...ME, is_active: true, email: null, notify_email: 'each', created_at: '2026-01-01T00:00:00Z' },
  { ...ME, id: 8, username: 'li', display_name: '李老师', is_active: true, email: null, notify_email: 'each', created_at: '2026-01-02T00:00:00Z' },
]

async function settle() {
  await flushPromises()
  // el-form-item shows a field's error after a short debounce.
  await new Promise((r) => setTimeout(r, 120))
  await flushPromises()
}

async function mountAt(path: string, handler: (c: Call) => Response | Promise<Response>, locale: AppLocale = 'en') {
  const stub = stubFetch(handler)
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = ME as never
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/units', component: AdminUnitsView },
      { path: '/admin/users', component: AdminUsersView },
      { path: '/admin/categories', component: AdminCategoriesView },
      { path: '/admin/calendar', component: AdminCalendarView },
    ],
  })
  await router.push(path)
  const w = mount(defineComponent({ render: () => h(RouterView) }), {
    global: { plugins: [pinia, router, createAppI18n(locale)] },
    attachTo: document.body,
  })
  await settle()
  return { w, router, ...stub }
}

const q = <T extends Element = HTMLElement>(sel: string) => document.body.querySelector<T>(sel)
const headers = () => [...document.body.querySelectorAll('.el-table__header th')].map((th) => th.textContent?.trim())
const rows = () => [...document.body.querySelectorAll('.el-table__body tr')]
const gets = (calls: Call[], path: string) => calls.filter((c) => c.method === 'GET' && c.path === path)
const fieldErrors = () =>
  Object.fromEntries(
    [...document.body.querySelectorAll('.el-form-item.is-error')].map((item) => [
      item.querySelector('.el-form-item__label')?.textContent?.trim(),
      item.querySelector('.el-form-item__error')?.textContent?.trim(),
    ]),
  )
async function type(sel: string, value: string) {
  const input = q<HTMLInputElement>(sel)
  if (!input) throw new Error(`no ${sel}`)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await settle()
}
function click(sel: string) {
  const el = q<HTMLElement>(sel)
  if (!el) throw new Error(`no ${sel}`)
  el.click()
}

const catalogHandler = (extra: (c: Call) => Response | null = () => null) => (c: Call) =>
  extra(c) ?? json(c.path === '/api/v1/units' ? UNITS : c.path === '/api/v1/categories' ? CATEGORIES : [])

describe('admin pages on ListPage, FormDialog and the catalog store', { timeout: 30_000 }, () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setPhone(false)
    document.body.innerHTML = ''
  })

  it('units: the catalogue filtered in the page, a fitting table, per-field messages, a save refreshes the store', async () => {
    let units = UNITS
    const { w, calls } = await mountAt(
      '/admin/units',
      catalogHandler((c) => {
        if (c.method !== 'POST') return c.path === '/api/v1/units' ? json(units) : null
        units = [...units, { id: 9, kind: 'department', name: '保卫处', code: 'bwc', is_active: true }]
        return json(units.at(-1), 201)
      }),
    )
    expect(headers()).toEqual(['Name', 'Code', 'Kind', 'Status', 'Actions'])
    // Inactive units are hidden until asked for.
    expect(rows().map((r) => r.querySelector('td')?.textContent)).toEqual(['委员会', '后勤处'])
    // No fixed minimum width: the table fits its box instead of scrolling sideways.
    expect(q('.el-table')?.getAttribute('style') ?? '').not.toContain('min-width')
    expect(gets(calls, '/api/v1/units')).toHaveLength(1)

    click('[data-test="unit-create"]')
    await settle()
    click('[data-test="unit-save"]')
    await settle()
    expect(fieldErrors()).toEqual({ Name: 'Please enter Name', Code: 'Please enter Code' })
    await type('input[data-test="unit-code"]', 'b w')
    expect(fieldErrors().Code).toBe('Code: letters, digits, underscores or hyphens only')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)

    await type('input[data-test="unit-name"]', ' 保卫处 ')
    await type('input[data-test="unit-code"]', 'bwc')
    click('[data-test="unit-save"]')
    await settle()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.path).toBe('/api/v1/units')
    expect(JSON.parse(post.body)).toEqual({ kind: 'department', name: '保卫处', code: 'bwc' })
    // The shared store was loaded again, so every page now knows the new unit.
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
    expect(useCatalogStore().unitName(9)).toBe('保卫处')
    expect(rows()).toHaveLength(3)
    w.unmount()
  })

  it('units: ?inactive=true shows the inactive ones with 启用', async () => {
    const { w } = await mountAt('/admin/units?inactive=true', catalogHandler())
    const body = rows()
    expect(body).toHaveLength(3)
    expect(body[1]!.textContent).toContain('Inactive')
    expect(body[1]!.textContent).toContain('Reactivate')
    expect(body[0]!.textContent).toContain('Deactivate')
    w.unmount()
  })

  it('a failed load shows the error with a retry', async () => {
    const { w } = await mountAt('/admin/units', () => problem(403, 'admin_required', 'no'))
    expect(q('[data-test="list-error"]')?.textContent).toContain('Only administrators')
    expect(q('[data-test="list-retry"]')).not.toBeNull()
    w.unmount()
  })

  it('users: 创建时间, the search in the URL, an invalid new user shows a message per field', async () => {
    const { w, calls, router } = await mountAt(
      '/admin/users',
      catalogHandler((c) => (c.path === '/api/v1/users' ? json(USERS) : null)),
      'zh-CN',
    )
    expect(headers()).toEqual(['用户名', '姓名', '单位', '角色', '状态', '创建时间', '操作'])
    expect(rows()[0]!.textContent).not.toContain('停用') // the admin's own row
    expect(rows()[1]!.textContent).toContain('停用')

    await type('[data-test="user-filter-q"] input, input[data-test="user-filter-q"]', ' li ')
    click('[data-test="search"]')
    await settle()
    const last = gets(calls, '/api/v1/users').at(-1)!
    expect(new URL(last.url).searchParams.get('q')).toBe('li')
    expect(router.currentRoute.value.query).toEqual({ q: 'li' })

    click('[data-test="user-create"]')
    await settle()
    await type('input[data-test="user-username"]', 'a b')
    await type('input[data-test="user-password"]', 'short')
    await type('input[data-test="user-email"]', 'not-mail')
    click('[data-test="user-save"]')
    await settle()
    expect(fieldErrors()).toEqual({
      用户名: "用户名只能包含字母、数字和 _ . @ -",
      姓名: '请填写姓名',
      密码: '密码需 8–128 字',
      单位: '请选择单位',
      邮箱: '邮箱格式不正确',
    })
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
    w.unmount()
  })

  it('users: the password dialog checks the length and never keeps a draft', async () => {
    const { w, calls } = await mountAt('/admin/users', catalogHandler((c) => (c.path === '/api/v1/users' ? json(USERS) : null)))
    const reset = [...rows()[1]!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Reset password')!
    reset.click()
    await settle()
    expect(document.body.textContent).toContain('New password for “李老师”')
    await type('input[data-test="new-password"]', 'abc')
    click('[data-test="password-save"]')
    await settle()
    expect(Object.values(fieldErrors())).toEqual(['New password must be 8–128 characters'])
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false)
    expect(Object.keys(localStorage).filter((k) => k.startsWith('huiyin.draft.'))).toEqual([])
    w.unmount()
  })

  it('a typed new category is kept as a draft after ×, asked about, and restored', async () => {
    const { w } = await mountAt('/admin/categories', catalogHandler())
    expect(headers()).toEqual(['Name', 'Default lead department', 'Status', 'Actions'])
    expect(q('.el-table__body')?.textContent).toContain('教务处') // an inactive department keeps its name
    click('[data-test="category-create"]')
    await settle()
    await type('input[data-test="category-name"]', '后勤服务')
    click('.el-dialog__headerbtn')
    await settle()
    expect(q('.form-dialog-discard')?.textContent).toContain('Discard what you have typed?')
    // Keep the draft.
    click('.form-dialog-discard .el-message-box__btns .el-button:not(.el-button--danger)')
    await settle()
    click('[data-test="category-create"]')
    await settle()
    expect(q<HTMLInputElement>('input[data-test="category-name"]')?.value).toBe('后勤服务')
    w.unmount()
  })

  it('calendar: the year in the URL, days in date order, the add dialog', async () => {
    const days = [
      { date: '2026-02-03', is_workday: true, note: null, updated_at: '2026-01-01T00:00:00Z' },
      { date: '2026-01-20', is_workday: false, note: '寒假', updated_at: '2026-01-01T00:00:00Z' },
    ]
    const hours = { opens: '08:30', closes: '17:30', office_day_minutes: 540, updated_at: null }
    const year = new Date().getFullYear() + 1
    const { w, calls } = await mountAt(`/admin/calendar?year=${year}`, (c) =>
      json(c.path === '/api/v1/calendar/office-hours' ? hours : days),
    )
    expect(q('.intro')?.textContent).toContain('overrides')
    const asked = gets(calls, '/api/v1/calendar/days')[0]!
    expect(new URL(asked.url).searchParams.get('from')).toBe(`${year}-01-01`)
    expect(headers()).toEqual(['Date', 'Type', 'Note', 'Updated', 'Actions'])
    expect(rows().map((r) => r.querySelector('td')?.textContent)).toEqual(['2026-01-20', '2026-02-03'])
    click('[data-test="day-add"]')
    await settle()
    click('[data-test="day-save"]')
    await settle()
    expect(fieldErrors()).toEqual({ Date: 'Please choose Date' })
    w.unmount()
  })

  it('below 768 px each row is a card with its actions', async () => {
    setPhone(true)
    const { w } = await mountAt('/admin/users', catalogHandler((c) => (c.path === '/api/v1/users' ? json(USERS) : null)))
    expect(q('.el-table')).toBeNull()
    const cards = [...document.body.querySelectorAll('[data-test="admin-card"]')]
    expect(cards).toHaveLength(2)
    expect(cards[1]!.textContent).toContain('李老师')
    const actions = [...cards[1]!.querySelectorAll('[data-test="admin-card-actions"] button')].map((b) => b.textContent?.trim())
    expect(actions).toEqual(['Edit', 'Reset password', 'Deactivate'])
    w.unmount()
  })
})
