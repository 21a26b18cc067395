import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { createAppRouter } from '@/router'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import { formatBytes } from '@/utils/format'
import TicketDetailView from '@/views/TicketDetailView.vue'
import PublicLookupView from '@/views/public/PublicLookupView.vue'
import { ME, json, problem, stubFetch, type Call } from './helpers'

const CLOSED = {
  id: 42,
  code: 'HY-2026-000042',
  title: '自习室座位不足',
  content: '<img src=x onerror=alert(1)>晚上座位不够',
  status: 'closed',
  urgency: 'normal',
  anonymity: 'department',
  channel: 'web',
  category: null,
  college: { id: 3, name: '计算机学院', kind: 'college', code: 'cs' },
  submitter: null,
  contact: null,
  lead_department: { id: 5, name: '教务处', kind: 'department', code: 'jwc' },
  assisting_departments: [],
  handler: null,
  dispatch_due_at: null,
  accept_due_at: null,
  reply_due_at: '2026-03-17T10:00:00+08:00',
  revisit_due_at: null,
  score_due_at: null,
  overdue: false,
  reply: { content: '已增加座位', department: { id: 5, name: '教务处' }, replied_at: '2026-03-12T10:00:00+08:00' },
  revisit: { method: 'phone', outcome: 'resolved', note: '已解决', revisited_at: '2026-03-13T10:00:00+08:00' },
  score: {
    efficiency: 5,
    handling: 3,
    effect: 4,
    overall: 4,
    satisfied: true,
    comment: '谢谢',
    scored_at: '2026-03-14T10:00:00+08:00',
    via: 'college',
  },
  reject_reason: null,
  merged_into: null,
  return_count: 0,
  reopen_count: 0,
  extension_count: 0,
  urge_count: 0,
  created_at: '2026-03-10T10:00:00+08:00',
  updated_at: '2026-03-14T10:00:00+08:00',
  version: 9,
  allowed_actions: [],
}

async function mountDetail(handler: (c: Call) => Response) {
  stubFetch((c) => (c.path === '/api/v1/me' ? json(ME) : handler(c)))
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().setAccessToken('A1')
  installAuthHooks(useAuthStore(), () => undefined)
  const router = createAppRouter(createMemoryHistory())
  await router.push('/tickets/42')
  await router.isReady()
  const wrapper = mount(TicketDetailView, {
    props: { id: 42 },
    global: { plugins: [pinia, router, createAppI18n('zh-CN')] },
  })
  await flushPromises()
  return wrapper
}

describe('formatBytes', () => {
  it('uses B, KB and MB', () => {
    expect(formatBytes(41)).toBe('41 B')
    expect(formatBytes(34 * 1024)).toBe('34 KB')
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB')
  })
})

describe('TicketDetailView', () => {
  beforeEach(() => vi.unstubAllGlobals())
  afterEach(() => vi.unstubAllGlobals())

  it('shows the not-found page when the ticket is out of scope (404)', async () => {
    const w = await mountDetail(() => problem(404, 'not_found', 'no such ticket'))
    expect(w.find('[data-test=not-found]').exists()).toBe(true)
    expect(w.find('[data-test=ticket-title]').exists()).toBe(false)
  })

  it('shows other errors in place, not as not-found', async () => {
    const w = await mountDetail(() => problem(500, 'internal', 'boom'))
    expect(w.find('[data-test=not-found]').exists()).toBe(false)
    expect(w.text()).toContain('boom')
  })

  it('shows the revisit, the scores and the attachments; user text stays text', async () => {
    const w = await mountDetail((c) => {
      if (c.path === '/api/v1/tickets/42') return json(CLOSED)
      if (c.path === '/api/v1/tickets/42/events') return json([])
      if (c.path === '/api/v1/tickets/42/attachments')
        return json([{ id: 1, filename: '说明.pdf', content_type: 'application/pdf', size: 2048, created_at: CLOSED.created_at }])
      return problem(404, 'not_found', c.path)
    })
    expect(w.find('[data-test=score-efficiency]').attributes('data-value')).toBe('5')
    expect(w.find('[data-test=score-handling]').attributes('data-value')).toBe('3')
    expect(w.find('[data-test=satisfied]').text()).toBe('满意')
    expect(w.find('[data-test=revisit]').text()).toContain('电话')
    expect(w.find('[data-test=attachments]').text()).toContain('说明.pdf')
    expect(w.find('[data-test=attachments]').text()).toContain('2 KB')
    expect(w.find('[data-test=ticket-content]').text()).toContain('<img src=x onerror=alert(1)>')
    expect(w.find('[data-test=ticket-content] img').exists()).toBe(false)
  })

  it("answers a merged ticket with its root's reply and offers its own score", async () => {
    const MERGED = {
      ...CLOSED,
      id: 43,
      status: 'merged',
      score: null,
      merged_into: { id: 42, code: CLOSED.code, title: CLOSED.title, status: 'revisited' },
      allowed_actions: ['score'],
    }
    const w = await mountDetail((c) => {
      if (c.path === '/api/v1/tickets/42') return json(MERGED)
      if (c.path === '/api/v1/tickets/42/events') return json([])
      if (c.path === '/api/v1/tickets/42/attachments') return json([])
      return problem(404, 'not_found', c.path)
    })
    expect(w.find('[data-test=merged-note]').text()).toContain('回访后请在本工单评价')
    expect(w.find('[data-test=revisit]').exists()).toBe(true)
    expect(w.find('[data-action=score]').exists()).toBe(true)
  })
})

describe('PublicLookupView scoring', () => {
  beforeEach(() => vi.unstubAllGlobals())
  afterEach(() => vi.unstubAllGlobals())

  const REVISITED = {
    ticket_code: 'HY-2026-000050',
    title: '食堂',
    content: '晚餐时间太短',
    status: 'revisited',
    created_at: '2026-03-10T10:00:00+08:00',
    updated_at: '2026-03-12T10:00:00+08:00',
    reply: { content: '已延长', department: '后勤保障处', replied_at: '2026-03-11T10:00:00+08:00' },
    revisit_outcome: 'resolved',
    reject_reason: null,
    score: null,
    can_score: true,
    merged_into: null,
  }

  async function mountLookup(handler: (c: Call) => Response) {
    const stub = stubFetch(handler)
    setActivePinia(createPinia())
    const router = createAppRouter(createMemoryHistory())
    await router.push('/public/lookup?code=ABCDEFGH12345678')
    await router.isReady()
    const w = mount(PublicLookupView, { global: { plugins: [router, createAppI18n('zh-CN')] } })
    await flushPromises()
    return { w, stub }
  }

  it('asks for all three rates before sending anything', async () => {
    const { w, stub } = await mountLookup(() => json(REVISITED))
    await w.find('[data-test=public-score-form]').trigger('submit')
    await flushPromises()
    expect(w.text()).toContain('请为三项都打分')
    expect(stub.calls.filter((c) => c.method === 'POST')).toHaveLength(0)
  })

  it('sends the three rates and the comment, then shows the score', async () => {
    let scored = false
    const { w, stub } = await mountLookup((c) => {
      if (c.method === 'POST') {
        scored = true
        return json({ efficiency: 4, handling: 5, effect: 3, comment: '好', scored_at: REVISITED.updated_at })
      }
      return json(
        scored
          ? { ...REVISITED, status: 'closed', can_score: false, score: { efficiency: 4, handling: 5, effect: 3, comment: '好', scored_at: REVISITED.updated_at } }
          : REVISITED,
      )
    })
    const rates = w.findAll('[data-test^=public-rate-]')
    expect(rates).toHaveLength(3)
    await rates[0]!.findAll('.el-rate__item')[3]!.trigger('click')
    await rates[1]!.findAll('.el-rate__item')[4]!.trigger('click')
    await rates[2]!.findAll('.el-rate__item')[2]!.trigger('click')
    await w.find('textarea').setValue(' 好 ')
    await w.find('[data-test=public-score-form]').trigger('submit')
    await flushPromises()
    const post = stub.calls.find((c) => c.method === 'POST')!
    expect(post.path).toBe('/api/v1/public/tickets/ABCDEFGH12345678/score')
    expect(JSON.parse(post.body)).toEqual({ efficiency: 4, handling: 5, effect: 3, comment: '好' })
    expect(w.find('[data-test=public-score-form]').exists()).toBe(false)
    expect(w.find('[data-test=public-score-handling]').attributes('data-value')).toBe('5')
  })
})
