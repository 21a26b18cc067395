import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import TicketListView from '@/views/TicketListView.vue'
import { emptyFilters, filtersFromQuery } from '@/composables/usePagedList'
import { localMidnight, TICKET_FILTERS, ticketListLink, ticketListQuery } from '@/utils/ticketFilters'
import { ME, json, stubFetch } from './helpers'

describe('ticket filters', () => {
  it('a day range becomes local midnights with the offset; the end day is included', () => {
    const from = localMidnight('2026-03-01')
    const to = localMidnight('2026-03-31', 1)
    expect(from).toMatch(/^2026-03-01T00:00:00[+-]\d{2}:\d{2}$/)
    expect(to).toMatch(/^2026-04-01T00:00:00[+-]\d{2}:\d{2}$/)
    expect(new Date(from).getTime()).toBe(new Date(2026, 2, 1).getTime())
    expect(new Date(to).getTime()).toBe(new Date(2026, 3, 1).getTime())
  })

  it('maps every filter to the API query, leaving unset ones out', () => {
    expect(ticketListQuery(emptyFilters(TICKET_FILTERS))).toEqual({
      department_id: undefined,
      college_id: undefined,
      category_id: undefined,
      urgency: undefined,
      status: undefined,
      overdue: undefined,
      pending_extension: undefined,
      returned: undefined,
      created_from: undefined,
      created_to: undefined,
      q: undefined,
    })
    const f = filtersFromQuery(TICKET_FILTERS, {
      department_id: '5',
      college_id: '3',
      category_id: '2',
      urgency: 'urgent',
      status: ['accepted', 'submitted'],
      overdue: 'true',
      pending_extension: 'false',
      returned: 'true',
      created_from: '2026-03-01',
      created_to: '2026-03-02',
      q: ' 电梯 ',
    })
    const q = ticketListQuery(f)
    expect(q).toMatchObject({
      department_id: 5,
      college_id: 3,
      category_id: 2,
      urgency: 'urgent',
      status: ['submitted', 'accepted'],
      overdue: true,
      pending_extension: false,
      returned: true,
      q: '电梯',
    })
    expect(q.created_from).toBe(localMidnight('2026-03-01'))
    expect(q.created_to).toBe(localMidnight('2026-03-03'))
  })

  it('links carry only the filters given', () => {
    expect(ticketListLink({ overdue: true })).toEqual({ name: 'tickets', query: { overdue: 'true' } })
    expect(ticketListLink({ status: ['submitted'], returned: true })).toEqual({
      name: 'tickets',
      query: { status: 'submitted', returned: 'true' },
    })
  })
})

function item(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    code: `HY-2026-${String(id).padStart(4, '0')}`,
    title: `工单 ${id}`,
    status: 'submitted',
    urgency: 'normal',
    anonymity: 'none',
    channel: 'web',
    category_id: null,
    college: { id: 3, kind: 'college', name: '计算机学院', code: 'cs' },
    lead_department: null,
    dispatch_due_at: null,
    accept_due_at: null,
    reply_due_at: null,
    overdue: false,
    created_at: '2026-03-01T08:00:00Z',
    updated_at: '2026-03-01T08:00:00Z',
    version: 1,
    returned: false,
    pending_extension: null,
    ...over,
  }
}

describe('TicketListView', () => {
  beforeEach(() => {
    vi.unstubAllGlobals()
    window.matchMedia = ((query: string) => ({
      media: query,
      matches: false,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    })) as unknown as typeof window.matchMedia
  })

  async function mountAt(url: string) {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/tickets')
        return json({ items: [item(1, { returned: true }), item(2)], next_cursor: null, total: 57 })
      return json([])
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { ...ME, unit: { ...ME.unit, kind: 'committee' } } as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/tickets', name: 'tickets', component: TicketListView },
        { path: '/tickets/new', name: 'ticket-new', component: { template: '<div />' } },
        { path: '/tickets/:id', name: 'ticket', component: { template: '<div />' } },
      ],
    })
    await router.push(url)
    const w = mount(TicketListView, { global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
    await flushPromises()
    await flushPromises()
    return { w, calls, router }
  }

  it('asks for the page the URL names, with every filter, and shows the total and the 退单 tag', async () => {
    const { w, calls } = await mountAt('/tickets?status=submitted&returned=true&college_id=3&page=2&size=10')
    const list = calls.filter((c) => c.path === '/api/v1/tickets')
    expect(list).toHaveLength(1)
    const p = new URL(list[0]!.url).searchParams
    expect(p.getAll('status')).toEqual(['submitted'])
    expect(p.get('returned')).toBe('true')
    expect(p.get('college_id')).toBe('3')
    expect(p.get('page')).toBe('2')
    expect(p.get('limit')).toBe('10')
    expect(p.has('cursor')).toBe(false)
    expect(w.get('[data-test="list-pager"]').text()).toContain('57')
    const rows = w.findAll('[data-test="ticket-table"] .el-table__body tr')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.find('[data-test="returned-tag"]').exists()).toBe(true)
    expect(rows[1]!.find('[data-test="returned-tag"]').exists()).toBe(false)
    // A filter behind 展开 is set by the URL, so the form starts expanded and shows it.
    expect(w.find('[data-test="filter-returned"]').exists()).toBe(true)
    // The units and categories for the selects, from the shared catalogue: one request each.
    expect(calls.filter((c) => c.path === '/api/v1/units')).toHaveLength(1)
    expect(calls.filter((c) => c.path === '/api/v1/categories')).toHaveLength(1)
  }, 30_000)

  it('searching writes the filters to the URL and asks for page 1', async () => {
    const { w, calls, router } = await mountAt('/tickets?page=3')
    expect(w.find('[data-test="filter-returned"]').exists()).toBe(false)
    // Element Plus puts the attributes on the <input> itself.
    await w.get('input[data-test="filter-q"]').setValue('电梯')
    await w.get('[data-test="list-search"]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '电梯' })
    const last = new URL(calls.filter((c) => c.path === '/api/v1/tickets').at(-1)!.url).searchParams
    expect(last.get('q')).toBe('电梯')
    expect(last.get('page')).toBe('1')
  }, 30_000)

  it('opened twice, the page fetches the units and categories once and names the URL filters', async () => {
    const units = [
      { id: 5, kind: 'department', name: '教务处', code: 'jwc', is_active: true },
      { id: 9, kind: 'college', name: '计算机学院', code: 'cs', is_active: true },
    ]
    const categories = [{ id: 2, name: '教学', default_department_id: 5, is_active: true }]
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/tickets') return json({ items: [item(1)], next_cursor: null, total: 1 })
      if (c.path === '/api/v1/units') return json(units)
      if (c.path === '/api/v1/categories') return json(categories)
      return json([])
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { ...ME, unit: { ...ME.unit, kind: 'committee' } } as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/tickets', name: 'tickets', component: TicketListView },
        { path: '/tickets/:id', name: 'ticket', component: { template: '<div />' } },
      ],
    })
    const open = async (url: string) => {
      await router.push(url)
      const w = mount(TicketListView, { global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
      await flushPromises()
      await flushPromises()
      return w
    }
    const first = await open('/tickets?department_id=5')
    first.unmount()
    const second = await open('/tickets?department_id=5&category_id=2&college_id=9')
    expect(calls.filter((c) => c.path === '/api/v1/tickets')).toHaveLength(2)
    expect(calls.filter((c) => c.path === '/api/v1/units')).toHaveLength(1)
    expect(calls.filter((c) => c.path === '/api/v1/categories')).toHaveLength(1)
    // The selects show the names of the URL's ids: their options come from the store.
    expect(second.get('[data-test="filter-department"]').text()).toContain('教务处')
    expect(second.get('[data-test="filter-college"]').text()).toContain('计算机学院')
    expect(second.get('[data-test="filter-category"]').text()).toContain('教学')
    second.unmount()
  }, 30_000)
})
