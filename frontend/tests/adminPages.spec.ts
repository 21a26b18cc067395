import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createAppI18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import AdminCalendarView from '@/views/admin/AdminCalendarView.vue'
import AdminCategoriesView from '@/views/admin/AdminCategoriesView.vue'
import AdminUnitsView from '@/views/admin/AdminUnitsView.vue'
import AdminUsersView from '@/views/admin/AdminUsersView.vue'
import { ME, json, problem, stubFetch, type Call } from './helpers'

const UNITS = [
  { id: 1, kind: 'committee', name: '委员会', code: 'cmt', is_active: true },
  { id: 5, kind: 'department', name: '教务处', code: 'jwc', is_active: false },
]
const USERS = [
  { ...ME, is_active: true, email: null, created_at: '2026-01-01T00:00:00Z' },
  { ...ME, id: 8, username: 'li', display_name: '李老师', is_active: true, email: null, created_at: '2026-01-02T00:00:00Z' },
]

type Page = typeof AdminUnitsView | typeof AdminUsersView | typeof AdminCategoriesView | typeof AdminCalendarView

async function mountPage(page: Page, handler: (c: Call) => Response | Promise<Response>) {
  const stub = stubFetch(handler)
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = ME as never
  const w = mount(page as never, { global: { plugins: [pinia, createAppI18n('en')] } })
  await flushPromises()
  return { w, ...stub }
}

const headers = (w: ReturnType<typeof mount>) => w.findAll('.el-table__header th').map((th) => th.text())
const gets = (calls: Call[], path: string) => calls.filter((c) => c.method === 'GET' && c.path === path)

describe('admin pages (shared table, filter bar and dialog)', () => {
  beforeEach(() => vi.unstubAllGlobals())
  afterEach(() => vi.unstubAllGlobals())

  it('units: columns in order, status tags, row buttons, and the create dialog posts', async () => {
    let rows = UNITS
    const { w, calls } = await mountPage(AdminUnitsView, (c) => {
      if (c.method === 'POST') {
        rows = [...rows, { id: 9, kind: 'department', name: '后勤处', code: 'hq', is_active: true }]
        return json(rows[2], 201)
      }
      return json(rows)
    })
    expect(headers(w)).toEqual(['Name', 'Code', 'Kind', 'Status', 'Actions'])
    const body = w.findAll('.el-table__body tr')
    expect(body).toHaveLength(2)
    expect(body[0]!.text()).toContain('Active')
    expect(body[0]!.text()).toContain('Deactivate')
    expect(body[1]!.text()).toContain('Inactive')
    expect(body[1]!.text()).toContain('Reactivate')
    expect(w.find('.table-scroll .el-table').attributes('style')).toContain('min-width: 640px')

    await w.get('[data-test="unit-create"]').trigger('click')
    expect(w.text()).toContain('New unit')
    await w.get('[data-test="unit-save"]').trigger('click')
    expect(w.find('.el-dialog .el-alert').text()).toContain('Please fill in the required fields')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)

    await w.get('input[data-test="unit-name"]').setValue(' 后勤处 ')
    await w.get('input[data-test="unit-code"]').setValue('hq')
    await w.get('[data-test="unit-save"]').trigger('click')
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.path).toBe('/api/v1/units')
    expect(JSON.parse(post.body)).toEqual({ kind: 'department', name: '后勤处', code: 'hq' })
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
    expect(w.findAll('.el-table__body tr')).toHaveLength(3)
    w.unmount()
  })

  it('units: a failed load shows the error above an empty table', async () => {
    const { w } = await mountPage(AdminUnitsView, () => problem(403, 'admin_required', 'no'))
    expect(w.get('.el-alert').text()).toContain('Only administrators')
    expect(w.find('.el-table__empty-text').text()).toBe('Nothing here')
    w.unmount()
  })

  it('users: the search submits the filter bar, no toggle on oneself, the password dialog', async () => {
    const { w, calls } = await mountPage(AdminUsersView, (c) => (c.path === '/api/v1/units' ? json(UNITS) : json(USERS)))
    expect(headers(w)).toEqual(['Username', 'Name', 'Unit', 'Role', 'Status', 'Created', 'Actions'])
    const body = w.findAll('.el-table__body tr')
    expect(body[0]!.text()).not.toContain('Deactivate') // the admin's own row
    expect(body[1]!.text()).toContain('Deactivate')

    await w.get('.filter-q input').setValue(' li ')
    await w.get('form.admin-toolbar').trigger('submit')
    await flushPromises()
    const last = gets(calls, '/api/v1/users').at(-1)!
    expect(new URL(last.url).searchParams.get('q')).toBe('li')

    const reset = body[1]!.findAll('button').find((b) => b.text() === 'Reset password')!
    await reset.trigger('click')
    expect(w.text()).toContain('New password for “李老师”')
    w.unmount()
  })

  it('categories and calendar use the same frame', async () => {
    const cats = await mountPage(AdminCategoriesView, (c) =>
      c.path === '/api/v1/units' ? json(UNITS) : json([{ id: 2, name: '教学', default_department_id: 5, is_active: true }]),
    )
    expect(headers(cats.w)).toEqual(['Name', 'Default lead department', 'Status', 'Actions'])
    expect(cats.w.find('.el-table__body').text()).toContain('教务处')
    expect(cats.w.find('[data-test="category-create"]').exists()).toBe(true)
    cats.w.unmount()

    const days = [
      { date: '2026-02-03', is_workday: true, note: null, updated_at: '2026-01-01T00:00:00Z' },
      { date: '2026-01-20', is_workday: false, note: '寒假', updated_at: '2026-01-01T00:00:00Z' },
    ]
    const hours = { opens: '08:30', closes: '17:30', office_day_minutes: 540, updated_at: null }
    const cal = await mountPage(AdminCalendarView, (c) => json(c.path === '/api/v1/calendar/office-hours' ? hours : days))
    expect(cal.w.find('.intro').text()).toContain('overrides')
    expect(headers(cal.w)).toEqual(['Date', 'Type', 'Note', 'Updated', 'Actions'])
    expect(cal.w.findAll('.el-table__body tr').map((r) => r.find('td').text())).toEqual(['2026-01-20', '2026-02-03'])
    await cal.w.get('[data-test="day-add"]').trigger('click')
    expect(cal.w.find('[data-test="day-save"]').exists()).toBe(true)
    cal.w.unmount()
  })
})
