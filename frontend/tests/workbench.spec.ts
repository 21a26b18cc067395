import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createApiClient } from '@/api/client'
import type { TicketListItem } from '@/api/types'
import { createAppI18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import WorkbenchView from '@/views/WorkbenchView.vue'
import type { TicketCounts } from '@/api/ticketQueries'
import {
  countLabel,
  deadlineOf,
  fetchQueue,
  groupByStatus,
  queueLink,
  queuesFor,
  roleOf,
  sortByDeadline,
  tilesFor,
} from '@/utils/workbench'
import { ME, json, problem, stubFetch, type Call } from './helpers'

const noHooks = {
  getAccessToken: () => 'A',
  setAccessToken: () => undefined,
  onAuthFailure: () => undefined,
}

function ticket(id: number, over: Partial<TicketListItem> = {}): TicketListItem {
  return {
    id,
    code: `HY-2026-${String(id).padStart(4, '0')}`,
    title: `工单 ${id}`,
    status: 'accepted',
    urgency: 'normal',
    anonymity: 'none',
    channel: 'web',
    category_id: null,
    college: { id: 3, kind: 'college', name: '计算机学院', code: 'cs' },
    lead_department: { id: 5, kind: 'department', name: '教务处', code: 'jwc' },
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
  } as TicketListItem
}

const params = (c: Call) => new URL(c.url).searchParams

describe('queue definitions per role', () => {
  const summary = (role: Parameters<typeof queuesFor>[0]) =>
    queuesFor(role).map((q) => ({ key: q.key, ...q.filter, sort: q.sort, extensions: !!q.extensions }))

  it('committee: submitted to triage, replied to revisit, overdue, pending extension requests', () => {
    expect(summary('committee')).toEqual([
      { key: 'triage', status: ['submitted'], sort: 'created_at', extensions: false },
      { key: 'toRevisit', status: ['replied'], sort: 'updated_at', extensions: false },
      { key: 'overdue', overdue: true, sort: undefined, extensions: false },
      { key: 'extensions', pending_extension: true, sort: 'updated_at', extensions: true },
    ])
    expect(queuesFor('committee')[0]!.note).toBe('workbench.note.triageIncludesReturned')
  })

  it('department: dispatched with the accept deadline, accepted with the reply deadline', () => {
    expect(summary('department')).toEqual([
      { key: 'toAccept', status: ['dispatched'], sort: 'updated_at', extensions: false },
      { key: 'inProgress', status: ['accepted'], sort: 'updated_at', extensions: false },
      { key: 'extensionsWaiting', pending_extension: true, sort: 'updated_at', extensions: true },
    ])
    expect(queuesFor('department').map((q) => q.deadline)).toEqual(['accept', 'reply', 'reply'])
  })

  it('college: revisited to score and the latest tickets grouped by state', () => {
    expect(summary('college')).toEqual([
      { key: 'toScore', status: ['revisited'], sort: undefined, extensions: false },
      { key: 'latest', sort: undefined, extensions: false },
    ])
    expect(queuesFor('college')[1]!.grouped).toBe(true)
  })

  it('no queues for an unknown unit kind', () => {
    expect(queuesFor(null)).toEqual([])
    expect(tilesFor(null)).toEqual([])
    expect(roleOf('admin')).toBeNull()
    expect(roleOf('department')).toBe('department')
  })

  it('every queue links to the list with exactly its filter', () => {
    const [triage, revisit, overdue, ext] = queuesFor('committee')
    expect(queueLink(triage!)).toEqual({ name: 'tickets', query: { status: 'submitted' } })
    expect(queueLink(revisit!)).toEqual({ name: 'tickets', query: { status: 'replied' } })
    expect(queueLink(overdue!)).toEqual({ name: 'tickets', query: { overdue: 'true' } })
    expect(queueLink(ext!)).toEqual({ name: 'tickets', query: { pending_extension: 'true' } })
    expect(queueLink(queuesFor('college')[1]!)).toEqual({ name: 'tickets', query: {} })
  })

  it('each count is the number of /tickets/counts that matches the queue filter', () => {
    const c: TicketCounts = {
      total: 60,
      overdue: 5,
      pending_extensions: 2,
      returned: 1,
      by_status: { submitted: 42, replied: 0, accepted: 7, dispatched: 3, revisited: 4 },
    }
    expect(queuesFor('committee').map((q) => q.count(c))).toEqual([42, 0, 5, 2])
    expect(queuesFor('department').map((q) => q.count(c))).toEqual([3, 7, 2])
    expect(queuesFor('college').map((q) => q.count(c))).toEqual([4, 60])
    // A status the server left out counts 0.
    expect(tilesFor('college').find((t) => t.key === 'closed')!.count(c)).toBe(0)
    expect(tilesFor('college').map((t) => t.key)).not.toContain('withdrawn')
  })
})

describe('queue helpers', () => {
  beforeEach(() => vi.unstubAllGlobals())

  it('countLabel adds "+" only when the page has a next cursor', () => {
    expect(countLabel(20, true)).toBe('20+')
    expect(countLabel(0, false)).toBe('0')
  })

  it('deadlineOf picks the deadline for the mode', () => {
    const t = ticket(1, { status: 'dispatched', accept_due_at: 'A', reply_due_at: 'R', dispatch_due_at: 'D' })
    expect(deadlineOf(t, 'accept')).toBe('A')
    expect(deadlineOf(t, 'reply')).toBe('R')
    expect(deadlineOf(t, 'current')).toBe('A')
    expect(deadlineOf(t, 'none')).toBeNull()
  })

  it('groupByStatus keeps the status order and drops empty groups', () => {
    const g = groupByStatus([ticket(1, { status: 'closed' }), ticket(2, { status: 'submitted' }), ticket(3, { status: 'closed' })])
    expect(g.map((x) => [x.status, x.items.map((i) => i.id)])).toEqual([
      ['submitted', [2]],
      ['closed', [1, 3]],
    ])
  })

  it('fetchQueue sends the queue filter, limit 20 and the sort; hasMore from next_cursor', async () => {
    const { calls } = stubFetch(() => json({ items: [ticket(1)], next_cursor: 'abc', total: null }))
    const client = createApiClient({ hooks: noHooks })
    const [toAccept] = queuesFor('department')
    const page = await fetchQueue(client, toAccept!)
    expect(page.hasMore).toBe(true)
    expect(params(calls[0]!).getAll('status')).toEqual(['dispatched'])
    expect(params(calls[0]!).get('limit')).toBe('20')
    expect(params(calls[0]!).get('sort')).toBe('updated_at')
    expect(params(calls[0]!).has('overdue')).toBe(false)
    expect(params(calls[0]!).has('page')).toBe(false)

    await fetchQueue(client, queuesFor('committee')[2]!)
    expect(params(calls[1]!).get('overdue')).toBe('true')
    expect(params(calls[1]!).has('status')).toBe(false)
  })

  it('sortByDeadline puts the nearest deadline first and missing ones last', () => {
    const items = [
      ticket(1, { reply_due_at: '2026-03-05T00:00:00Z' }),
      ticket(2, { reply_due_at: null }),
      ticket(3, { reply_due_at: '2026-03-01T00:00:00Z' }),
      ticket(4, { reply_due_at: '2026-03-05T00:00:00Z' }),
    ]
    expect(sortByDeadline(items, 'reply').map((i) => i.id)).toEqual([3, 1, 4, 2])
    expect(sortByDeadline(items, 'none').map((i) => i.id)).toEqual([1, 2, 3, 4])
  })
})

const EXT = {
  id: 1,
  days: 3,
  reason: '跨部门协调',
  status: 'pending' as const,
  requested_by: { id: 4, display_name: '李处长' },
  decided_at: null,
  decision_note: null,
  new_reply_due_at: null,
  superseded_at: null,
  superseded_by: null,
  created_at: '2026-03-02T08:00:00Z',
}

describe('WorkbenchView', () => {
  beforeEach(() => {
    vi.unstubAllGlobals()
    setActivePinia(createPinia())
  })

  async function mountAs(kind: 'committee' | 'department' | 'college', handler: Parameters<typeof stubFetch>[0]) {
    const stub = stubFetch(handler)
    const pinia = createPinia()
    setActivePinia(pinia)
    const auth = useAuthStore()
    auth.me = { ...ME, unit: { ...ME.unit, kind } } as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', name: 'workbench', component: WorkbenchView },
        { path: '/tickets', name: 'tickets', component: { template: '<div />' } },
        { path: '/tickets/:id', name: 'ticket', component: { template: '<div />' } },
      ],
    })
    await router.push('/')
    await router.isReady()
    const w = mount(WorkbenchView, { global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
    await flushPromises()
    await flushPromises()
    return { w, calls: stub.calls, stub }
  }

  it('department: exact counts, capped queue pages, items linked to the ticket', async () => {
    const { w, calls } = await mountAs('department', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return json({ total: 30, overdue: 2, pending_extensions: 0, returned: 0, by_status: { dispatched: 27, accepted: 1 } })
      const s = params(c).get('status')
      if (s === 'dispatched') {
        const items = Array.from({ length: 20 }, (_, i) =>
          ticket(i + 1, { status: 'dispatched', accept_due_at: '2000-01-01T00:00:00Z' }),
        )
        return json({ items, next_cursor: 'more', total: null })
      }
      if (params(c).get('pending_extension') === 'true') return json({ items: [], next_cursor: null, total: null })
      return json({ items: [ticket(99, { title: '<b>不是 HTML</b>' })], next_cursor: null, total: null })
    })
    const lists = calls.filter((c) => c.path === '/api/v1/tickets').map((c) => params(c))
    expect(lists.map((p) => p.getAll('status'))).toEqual([['dispatched'], ['accepted'], []])
    expect(lists[2]!.get('pending_extension')).toBe('true')
    const accept = w.get('[data-test="queue-toAccept"]')
    expect(accept.get('[data-test="queue-count"]').text()).toBe('27')
    expect(accept.findAll('li')).toHaveLength(8)
    await accept.get('[data-test="toggle-toAccept"]').trigger('click')
    expect(accept.findAll('li')).toHaveLength(20)
    expect(accept.get('.deadline-badge').attributes('data-state')).toBe('overdue')
    const progress = w.get('[data-test="queue-inProgress"]')
    expect(progress.get('a.mini-item__title').attributes('href')).toBe('/tickets/99')
    expect(progress.text()).toContain('<b>不是 HTML</b>')
    expect(w.get('[data-test="tile-toAccept"] [data-test="tile-value"]').text()).toBe('27')
    expect(w.get('[data-test="tile-toAccept"]').attributes('href')).toBe('/tickets?status=dispatched')
  })

  it('committee: one counts request, one list request per queue, extensions from the list items', async () => {
    const { w, calls } = await mountAs('committee', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return json({
          total: 50,
          overdue: 3,
          pending_extensions: 1,
          returned: 2,
          by_status: { submitted: 33, replied: 1, accepted: 2 },
        })
      if (params(c).get('pending_extension') === 'true')
        return json({ items: [ticket(8, { pending_extension: EXT })], next_cursor: null, total: null })
      return json({ items: [ticket(1, { status: 'submitted', returned: true })], next_cursor: 'x', total: null })
    })
    // No request per ticket for its extensions: 1 counts + 4 queues.
    expect(calls.map((c) => c.path).sort()).toEqual([
      '/api/v1/tickets',
      '/api/v1/tickets',
      '/api/v1/tickets',
      '/api/v1/tickets',
      '/api/v1/tickets/counts',
    ])
    expect(w.get('[data-test="queue-triage"] [data-test="queue-count"]').text()).toBe('33')
    expect(w.get('[data-test="queue-overdue"] [data-test="queue-count"]').text()).toBe('3')
    const ext = w.get('[data-test="queue-extensions"]')
    expect(ext.get('[data-test="queue-count"]').text()).toBe('1')
    expect(ext.findAll('[data-test="extension"]')).toHaveLength(1)
    expect(ext.text()).toContain('申请延期 3 个工作日')
    expect(ext.text()).toContain('李处长')
    expect(ext.text()).toContain('跨部门协调')
    expect(ext.get('a.mini-item__title').attributes('href')).toBe('/tickets/8')
    const triage = w.get('[data-test="queue-triage"]')
    expect(triage.find('[data-test="returned-tag"]').exists()).toBe(true)
    expect(triage.get('[data-test="returned-link"]').text()).toContain('2')
    expect(triage.get('[data-test="returned-link"]').attributes('href')).toBe('/tickets?status=submitted&returned=true')
    expect(w.get('[data-test="tile-overdue"]').attributes('href')).toBe('/tickets?overdue=true')
    expect(w.get('[data-test="tile-overdue"]').classes()).toContain('wb-tile--danger')
    expect(w.get('[data-test="tile-extensions"]').attributes('href')).toBe('/tickets?pending_extension=true')
    expect(w.get('[data-test="queue-triage"] .queue-card__more').attributes('href')).toBe('/tickets?status=submitted')
  })

  it('counts failing: an error with 重试, no list queries in their place', async () => {
    let countsUp = false
    const { w, calls } = await mountAs('committee', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return countsUp
          ? json({ total: 9, overdue: 4, pending_extensions: 0, returned: 0, by_status: { submitted: 5 } })
          : problem(503, 'service_unavailable', 'down')
      return json({ items: [ticket(1, { status: 'submitted' })], next_cursor: null, total: null })
    })
    expect(calls.filter((c) => c.path === '/api/v1/tickets')).toHaveLength(4)
    expect(w.find('[data-test="counts-error"]').exists()).toBe(true)
    expect(w.get('[data-test="tile-overdue"] [data-test="tile-value"]').text()).toBe('—')
    countsUp = true
    await w.get('[data-test="counts-retry"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="counts-error"]').exists()).toBe(false)
    expect(w.get('[data-test="tile-overdue"] [data-test="tile-value"]').text()).toBe('4')
    // The retry asked for the counts again, and nothing else.
    expect(calls.filter((c) => c.path === '/api/v1/tickets')).toHaveLength(4)
    expect(calls.filter((c) => c.path === '/api/v1/tickets/counts')).toHaveLength(2)
  })

  it('college: status tiles and 待评价 queue', async () => {
    const { w } = await mountAs('college', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return json({ total: 6, overdue: 0, pending_extensions: 0, returned: 0, by_status: { submitted: 2, revisited: 4 } })
      const s = params(c).get('status')
      if (s === 'revisited') return json({ items: [ticket(5, { status: 'revisited' })], next_cursor: null, total: null })
      return json({
        items: [ticket(1, { status: 'submitted' }), ticket(5, { status: 'revisited' })],
        next_cursor: null,
        total: null,
      })
    })
    expect(w.get('[data-test="tile-revisited"]').text()).toContain('4')
    expect(w.get('[data-test="tile-submitted"]').attributes('href')).toBe('/tickets?status=submitted')
    expect(w.get('[data-test="queue-toScore"]').findAll('li')).toHaveLength(1)
    expect(w.get('[data-test="queue-latest"]').text()).toContain('待受理')
    expect(w.get('[data-test="queue-latest"] [data-test="queue-count"]').text()).toBe('6')
  })
})
