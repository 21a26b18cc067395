import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { createAppRouter } from '@/router'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import DeadlineBadge from '@/components/DeadlineBadge.vue'
import { NOW_TICK_MS, useNow } from '@/composables/useNow'
import type { Status, TicketOut } from '@/api/types'
import { nextStep } from '@/utils/ticket'
import TicketDetailView from '@/views/TicketDetailView.vue'
import { json, ME, problem, stubFetch, type Call } from './helpers'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('nextStep', () => {
  const step = (status: Status, allowed: string[]) => nextStep({ status, allowed_actions: allowed })

  it('is the step the ticket waits for, when this user may take it', () => {
    expect(step('submitted', ['dispatch', 'reject', 'merge', 'urge'])).toBe('dispatch')
    expect(step('dispatched', ['return', 'accept', 'assign'])).toBe('accept')
    expect(step('accepted', ['note', 'request_extension', 'reply'])).toBe('reply')
    expect(step('replied', ['revisit', 'reopen', 'urge'])).toBe('revisit')
    expect(step('revisited', ['score'])).toBe('score')
    expect(step('merged', ['score'])).toBe('score')
  })

  it('puts a pending extension decision before the reply (the committee on an accepted ticket)', () => {
    expect(step('accepted', ['decide_extension', 'urge'])).toBe('decide_extension')
    expect(step('accepted', ['urge'])).toBeNull()
  })

  it('lets the committee close a revisited ticket once scoring is over', () => {
    expect(step('revisited', ['close', 'reopen', 'urge'])).toBe('close')
  })

  it('is null when the step is someone else\'s or the ticket is finished', () => {
    expect(step('submitted', ['withdraw'])).toBeNull() // the college waits for the committee
    expect(step('dispatched', ['urge'])).toBeNull()
    expect(step('closed', [])).toBeNull()
    expect(step('rejected', ['judge_return'])).toBeNull()
  })
})

describe('DeadlineBadge on the shared clock', () => {
  it('turns from "soon" to "overdue" on an open page as time passes', async () => {
    vi.useFakeTimers()
    const start = Date.parse('2030-03-01T09:00:00Z')
    vi.setSystemTime(start)
    const w = mount(DeadlineBadge, {
      props: { due: new Date(start + 40_000).toISOString() },
      global: { plugins: [createAppI18n('zh-CN')] },
    })
    expect(w.attributes('data-state')).toBe('soon')
    await vi.advanceTimersByTimeAsync(NOW_TICK_MS)
    expect(w.attributes('data-state')).toBe('soon') // 30 s later: 10 s left
    await vi.advanceTimersByTimeAsync(NOW_TICK_MS)
    expect(w.attributes('data-state')).toBe('overdue')
    expect(w.text()).toContain('已逾期')
    w.unmount()
  })

  it('runs one timer for all its users and stops it when the last one goes', () => {
    vi.useFakeTimers()
    const user = defineComponent(() => {
      useNow()
      return () => h('i')
    })
    const a = mount(user)
    const b = mount(user)
    expect(vi.getTimerCount()).toBe(1)
    a.unmount()
    expect(vi.getTimerCount()).toBe(1)
    b.unmount()
    expect(vi.getTimerCount()).toBe(0)
  })
})

/* ---- the ticket page with answers arriving out of order ---- */

function ticket(id: number, title: string): TicketOut {
  return {
    id,
    code: `HY-2030-00000${id}`,
    title,
    content: `${title}的内容`,
    status: 'accepted',
    urgency: 'normal',
    anonymity: 'named',
    channel: 'web',
    category: null,
    college: null,
    submitter: null,
    contact: null,
    lead_department: null,
    assisting_departments: [],
    handler: null,
    dispatch_due_at: null,
    accept_due_at: null,
    reply_due_at: null,
    revisit_due_at: null,
    score_due_at: null,
    overdue: false,
    reply: null,
    revisit: null,
    score: null,
    reject_reason: null,
    merged_into: null,
    return_count: 0,
    reopen_count: 0,
    extension_count: 0,
    urge_count: 0,
    created_at: '2030-03-01T09:00:00Z',
    updated_at: '2030-03-01T09:00:00Z',
    version: 1,
    allowed_actions: ['reply'],
  }
}

/** A fetch stub whose answers the test releases one ticket at a time. */
function heldFetch() {
  const waiting = new Map<number, Array<() => void>>()
  const { calls } = stubFetch(async (c: Call) => {
    if (c.path === '/api/v1/me') return json(ME)
    const m = /^\/api\/v1\/tickets\/(\d+)(\/\w+)?$/.exec(c.path)
    if (!m) return problem(404, 'not_found', c.path)
    const id = Number(m[1])
    await new Promise<void>((release) => waiting.set(id, [...(waiting.get(id) ?? []), release]))
    if (!m[2]) return json(ticket(id, id === 1 ? '第一件：宿舍漏水' : '第二件：食堂排队'))
    return json([])
  })
  const release = async (id: number) => {
    for (const r of waiting.get(id) ?? []) r()
    waiting.delete(id)
    await flushPromises()
  }
  return { calls, release, pending: () => [...waiting.keys()] }
}

describe('TicketDetailView with answers out of order', () => {
  async function mountAt(id: number) {
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().setAccessToken('A1')
    installAuthHooks(useAuthStore(), () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push(`/tickets/${id}`)
    await router.isReady()
    return mount(TicketDetailView, { props: { id }, global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
  }

  it("never shows ticket 1's late answer on ticket 2's page", async () => {
    const net = heldFetch()
    const w = await mountAt(1)
    await flushPromises()
    await w.setProps({ id: 2 })
    await flushPromises()
    expect(net.pending().sort()).toEqual([1, 2])
    await net.release(2)
    expect(w.find('[data-test=ticket-title]').text()).toBe('第二件：食堂排队')
    await net.release(1) // ticket 1 answers last
    expect(w.find('[data-test=ticket-title]').text()).toBe('第二件：食堂排队')
    expect(w.text()).not.toContain('宿舍漏水')
  })

  it("shows nothing of ticket 1 while ticket 2 is still loading", async () => {
    const net = heldFetch()
    const w = await mountAt(1)
    await net.release(1)
    expect(w.find('[data-test=ticket-title]').text()).toBe('第一件：宿舍漏水')
    await w.setProps({ id: 2 })
    await flushPromises()
    expect(w.find('[data-test=ticket-title]').exists()).toBe(false)
    expect(w.text()).not.toContain('宿舍漏水')
    await net.release(2)
    expect(w.find('[data-test=ticket-title]').text()).toBe('第二件：食堂排队')
  })

  it('makes the next step the primary button', async () => {
    const net = heldFetch()
    const w = await mountAt(1)
    await net.release(1)
    const bar = w.find('[data-test=actions]')
    expect(bar.attributes('data-next')).toBe('reply')
    expect(bar.find('[data-action=reply]').classes()).toContain('el-button--primary')
  })
})
