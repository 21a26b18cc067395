import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createApiClient } from '@/api/client'
import type { TicketListItem } from '@/api/types'
import { createAppI18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import WorkbenchView from '@/views/WorkbenchView.vue'
import {
  COUNT_LIMIT,
  countLabel,
  deadlineOf,
  exactCount,
  fetchQueue,
  fetchStatusCounts,
  findPendingExtensions,
  groupByStatus,
  listLinkQuery,
  queuesFor,
  roleOf,
  sortByDeadline,
  type StatusCounts,
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
    ...over,
  } as TicketListItem
}

const params = (c: Call) => new URL(c.url).searchParams

describe('queue definitions per role', () => {
  const summary = (role: Parameters<typeof queuesFor>[0]) =>
    queuesFor(role).map((q) => ({ key: q.key, ...q.query, extensions: !!q.extensions }))

  it('committee: submitted to triage, replied to revisit, overdue, pending extension requests', () => {
    expect(summary('committee')).toEqual([
      { key: 'triage', status: ['submitted'], limit: 20, sort: 'created_at', extensions: false },
      { key: 'toRevisit', status: ['replied'], limit: 20, sort: 'updated_at', extensions: false },
      { key: 'overdue', overdue: true, limit: 20, extensions: false },
      { key: 'extensions', pending_extension: true, limit: 20, sort: 'updated_at', extensions: true },
    ])
    // the "returned" caveat is noted on the triage queue
    expect(queuesFor('committee')[0]!.note).toBe('workbench.note.triageIncludesReturned')
  })

  it('department: dispatched with the accept deadline, accepted with the reply deadline', () => {
    const qs = queuesFor('department')
    expect(summary('department')).toEqual([
      { key: 'toAccept', status: ['dispatched'], limit: 20, sort: 'updated_at', extensions: false },
      { key: 'inProgress', status: ['accepted'], limit: 20, sort: 'updated_at', extensions: false },
      { key: 'extensionsWaiting', pending_extension: true, limit: 20, sort: 'updated_at', extensions: true },
    ])
    expect(qs.map((q) => q.deadline)).toEqual(['accept', 'reply', 'reply'])
  })

  it('college: revisited to score and the latest tickets grouped by state', () => {
    const qs = queuesFor('college')
    expect(summary('college')).toEqual([
      { key: 'toScore', status: ['revisited'], limit: 20, extensions: false },
      { key: 'latest', limit: 20, extensions: false },
    ])
    expect(qs[1]!.grouped).toBe(true)
  })

  it('no queues for an unknown unit kind; every queue stays within limit 20', () => {
    expect(queuesFor(null)).toEqual([])
    expect(roleOf('admin')).toBeNull()
    expect(roleOf('department')).toBe('department')
    for (const r of ['committee', 'department', 'college'] as const) {
      for (const q of queuesFor(r)) expect(q.query.limit).toBeLessThanOrEqual(20)
    }
  })

  it('links only the queues the ticket list can show', () => {
    const [triage, , overdue, ext] = queuesFor('committee')
    expect(listLinkQuery(triage!)).toEqual({ status: ['submitted'] })
    expect(listLinkQuery(overdue!)).toBeNull()
    expect(listLinkQuery(ext!)).toBeNull()
    expect(listLinkQuery(queuesFor('college')[1]!)).toEqual({})
  })
})

describe('countLabel', () => {
  it('adds "+" only when the page has a next cursor', () => {
    expect(countLabel(20, true)).toBe('20+')
    expect(countLabel(20, false)).toBe('20')
    expect(countLabel(0, false)).toBe('0')
    expect(countLabel(3, true)).toBe('3+')
  })

  it('prefers exact server counts for single-status, overdue and unfiltered queues', () => {
    const counts: StatusCounts = {
      counts: { submitted: 42, replied: 0, accepted: 7 },
      more: [],
      total: 60,
      overdue: 5,
      source: 'counts',
    }
    const [triage, revisit, overdue, ext] = queuesFor('committee')
    expect(exactCount(triage!, counts)).toBe(42)
    expect(exactCount(revisit!, counts)).toBe(0)
    expect(exactCount(overdue!, counts)).toBe(5)
    expect(exactCount(ext!, counts)).toBeNull()
    expect(exactCount(queuesFor('college')[1]!, counts)).toBe(60)
    expect(exactCount(triage!, { ...counts, source: 'lists' })).toBeNull()
    expect(exactCount(triage!, null)).toBeNull()
  })
})

describe('queue helpers', () => {
  beforeEach(() => vi.unstubAllGlobals())

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

  it('fetchQueue sends the filters and reports hasMore from next_cursor', async () => {
    const { calls } = stubFetch(() => json({ items: [ticket(1)], next_cursor: 'abc' }))
    const client = createApiClient({ hooks: noHooks })
    const page = await fetchQueue(client, { status: ['dispatched'], limit: 20 })
    expect(page.hasMore).toBe(true)
    expect(params(calls[0]!).getAll('status')).toEqual(['dispatched'])
    expect(params(calls[0]!).get('limit')).toBe('20')
    expect(params(calls[0]!).has('overdue')).toBe(false)
    expect(params(calls[0]!).has('sort')).toBe(false)

    await fetchQueue(client, { overdue: true, limit: 20 })
    expect(params(calls[1]!).get('overdue')).toBe('true')
    expect(params(calls[1]!).has('status')).toBe(false)

    await fetchQueue(client, queuesFor('department')[0]!.query)
    expect(params(calls[2]!).get('sort')).toBe('updated_at')
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

  it('findPendingExtensions checks at most 20 tickets and keeps only pending requests', async () => {
    const tickets = Array.from({ length: 25 }, (_, i) => ticket(i + 1))
    const { calls } = stubFetch((c) => {
      const id = Number(c.path.split('/')[4])
      if (id === 4) return problem(403, 'forbidden', 'no')
      const ext = (status: string) => ({
        id: id * 10,
        days: 2,
        reason: '需要协调',
        status,
        requested_by: { id: 1, display_name: '李处长' },
        decided_at: null,
        decision_note: null,
        new_reply_due_at: null,
        created_at: '2026-03-02T08:00:00Z',
      })
      if (id === 2 || id === 21) return json([ext('approved'), ext('pending')])
      if (id === 3) return json([ext('denied')])
      return json([])
    })
    const client = createApiClient({ hooks: noHooks })
    const found = await findPendingExtensions(client, tickets)
    expect(calls).toHaveLength(20)
    expect(calls.every((c) => /^\/api\/v1\/tickets\/\d+\/extensions$/.test(c.path))).toBe(true)
    expect(found.items.map((x) => x.ticket.id)).toEqual([2]) // ticket 21 is beyond the first 20
    expect(found.items[0]!.extension).toMatchObject({ days: 2, requested_by: '李处长', reason: '需要协调' })
    expect(found.failed).toBe(1)
  })

  it('fetchStatusCounts uses /tickets/counts, else counts limit=100 pages per status', async () => {
    stubFetch((c) =>
      c.path === '/api/v1/tickets/counts'
        ? json({ total: 9, overdue: 1, by_status: { submitted: 4, closed: 5 } })
        : json({ items: [], next_cursor: null }),
    )
    const client = createApiClient({ hooks: noHooks })
    const server = await fetchStatusCounts(client, ['submitted', 'closed', 'accepted'])
    expect(server.source).toBe('counts')
    expect(server.counts).toMatchObject({ submitted: 4, closed: 5, accepted: 0 })

    vi.unstubAllGlobals()
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/tickets/counts') return problem(404, 'not_found', 'no')
      const s = params(c).get('status')
      if (s === 'closed') return json({ items: Array.from({ length: 100 }, (_, i) => ticket(i)), next_cursor: 'n' })
      return json({ items: [ticket(1), ticket(2)], next_cursor: null })
    })
    const lists = await fetchStatusCounts(client, ['submitted', 'closed'])
    expect(lists.source).toBe('lists')
    expect(lists.counts).toEqual({ submitted: 2, closed: 100 })
    expect(lists.more).toEqual(['closed'])
    expect(countLabel(lists.counts.closed!, lists.more.includes('closed'))).toBe('100+')
    const listCalls = calls.filter((c) => c.path === '/api/v1/tickets')
    expect(listCalls.map((c) => params(c).get('limit'))).toEqual([String(COUNT_LIMIT), String(COUNT_LIMIT)])
  })
})

describe('WorkbenchView', () => {
  beforeEach(() => {
    vi.unstubAllGlobals()
    setActivePinia(createPinia())
  })

  async function mountAs(kind: 'committee' | 'department' | 'college', handler: Parameters<typeof stubFetch>[0]) {
    const { calls } = stubFetch(handler)
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
    return { w, calls }
  }

  it('department: shows 待签收 with "20+" and links items to the ticket', async () => {
    const { w, calls } = await mountAs('department', (c) => {
      if (c.path === '/api/v1/tickets/counts') return problem(404, 'not_found', 'no')
      const s = params(c).get('status')
      if (s === 'dispatched') {
        const items = Array.from({ length: 20 }, (_, i) =>
          ticket(i + 1, { status: 'dispatched', accept_due_at: '2000-01-01T00:00:00Z' }),
        )
        return json({ items, next_cursor: 'more' })
      }
      return json({ items: [ticket(99, { title: '<b>不是 HTML</b>' })], next_cursor: null })
    })
    const lists = calls.filter((c) => c.path === '/api/v1/tickets').map((c) => params(c))
    expect(lists.map((p) => p.getAll('status'))).toEqual([['dispatched'], ['accepted'], []])
    expect(lists[2]!.get('pending_extension')).toBe('true')
    const accept = w.get('[data-test="queue-toAccept"]')
    expect(accept.get('[data-test="queue-count"]').text()).toBe('20+')
    expect(accept.findAll('li')).toHaveLength(8)
    await accept.get('[data-test="toggle-toAccept"]').trigger('click')
    expect(accept.findAll('li')).toHaveLength(20)
    expect(accept.get('[data-test="toggle-toAccept"]').text()).toBe('收起')
    expect(accept.get('.deadline-badge').attributes('data-state')).toBe('overdue')
    const progress = w.get('[data-test="queue-inProgress"]')
    expect(progress.get('[data-test="queue-count"]').text()).toBe('1')
    expect(progress.get('a.mini-item__title').attributes('href')).toBe('/tickets/99')
    expect(progress.text()).toContain('<b>不是 HTML</b>')
    expect(w.get('[data-test="tile-toAccept"]').text()).toContain('20+')
  })

  it('committee: exact counts from /tickets/counts and pending extensions', async () => {
    const { w } = await mountAs('committee', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return json({ total: 50, overdue: 3, pending_extensions: 1, by_status: { submitted: 33, replied: 1, accepted: 2 } })
      if (c.path.endsWith('/extensions')) {
        const id = Number(c.path.split('/')[4])
        return json(
          id === 8
            ? [
                {
                  id: 1,
                  days: 3,
                  reason: '跨部门协调',
                  status: 'pending',
                  requested_by: null,
                  decided_at: null,
                  decision_note: null,
                  new_reply_due_at: null,
                  created_at: '2026-03-02T08:00:00Z',
                },
              ]
            : [],
        )
      }
      // The server filters the queue to tickets with an undecided extension request.
      if (params(c).get('pending_extension') === 'true') return json({ items: [ticket(8)], next_cursor: null })
      return json({ items: [ticket(1, { status: 'submitted' })], next_cursor: 'x' })
    })
    expect(w.get('[data-test="queue-triage"] [data-test="queue-count"]').text()).toBe('33')
    expect(w.get('[data-test="queue-overdue"] [data-test="queue-count"]').text()).toBe('3')
    const ext = w.get('[data-test="queue-extensions"]')
    expect(ext.get('[data-test="queue-count"]').text()).toBe('1')
    expect(ext.findAll('[data-test="extension"]')).toHaveLength(1)
    expect(ext.text()).toContain('申请延期 3 个工作日')
    expect(ext.get('a.mini-item__title').attributes('href')).toBe('/tickets/8')
    expect(w.get('[data-test="queue-triage"]').text()).toContain('退单')
  })

  it('college: status tiles and 待评价 queue', async () => {
    const { w } = await mountAs('college', (c) => {
      if (c.path === '/api/v1/tickets/counts')
        return json({ total: 6, overdue: 0, by_status: { submitted: 2, revisited: 4 } })
      const s = params(c).get('status')
      if (s === 'revisited') return json({ items: [ticket(5, { status: 'revisited' })], next_cursor: null })
      return json({ items: [ticket(1, { status: 'submitted' }), ticket(5, { status: 'revisited' })], next_cursor: null })
    })
    expect(w.get('[data-test="tile-revisited"]').text()).toContain('4')
    expect(w.get('[data-test="tile-submitted"]').attributes('href')).toBe('/tickets?status=submitted')
    expect(w.get('[data-test="queue-toScore"]').findAll('li')).toHaveLength(1)
    expect(w.get('[data-test="queue-latest"]').text()).toContain('待受理')
    expect(w.get('[data-test="queue-latest"] [data-test="queue-count"]').text()).toBe('6')
  })
})
