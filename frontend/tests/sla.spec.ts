import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import { canRaiseSupervision, emptySlaForm, orderTagType, slaBody, slaFormOf, slaScope, slaUpdateBody, type SlaPolicy } from '@/utils/sla'
import { ME, json, stubFetch } from './helpers'

const policy: SlaPolicy = {
  id: 3,
  category_id: 7,
  category_name: '后勤保障',
  urgency: 'urgent',
  dispatch_days: null,
  accept_days: 0.5,
  reply_days: 2,
  revisit_days: null,
  score_days: null,
  max_extensions: 1,
  max_extension_days: null,
  reminder_lead_days: 0,
  note: '紧急件',
  updated_at: '2026-03-10T10:00:00+08:00',
}

describe('SLA policy form', () => {
  it('round-trips a policy and keeps null as inherit (0 stays 0)', () => {
    const body = slaBody(slaFormOf(policy))
    expect(body).toMatchObject({
      category_id: 7,
      urgency: 'urgent',
      accept_days: 0.5,
      reply_days: 2,
      dispatch_days: null,
      max_extensions: 1,
      reminder_lead_days: 0,
      note: '紧急件',
    })
  })

  it('sends cleared inputs as null and a blank note as null', () => {
    const form = emptySlaForm()
    form.reply_days = Number.NaN
    form.note = '   '
    const body = slaBody(form)
    expect(body.reply_days).toBeNull()
    expect(body.note).toBeNull()
    expect(body.category_id).toBeNull()
  })

  it('updates the values only: the scope cannot change and is not sent', () => {
    const body = slaUpdateBody(slaFormOf(policy))
    expect(Object.keys(body)).not.toContain('category_id')
    expect(Object.keys(body)).not.toContain('urgency')
    expect(body).toMatchObject({ accept_days: 0.5, reply_days: 2, note: '紧急件' })
  })

  it('labels the scope, wildcards included', () => {
    const t = (k: string) => ({ 'sla.anyCategory': '全部类别', 'sla.anyUrgency': '全部紧急程度', 'urgency.urgent': '紧急' })[k] ?? k
    expect(slaScope(policy, t)).toBe('后勤保障 · 紧急')
    expect(slaScope({ category_id: null, category_name: null, urgency: null }, t)).toBe('全部类别 · 全部紧急程度')
  })
})

describe('supervision orders', () => {
  it('colours an open order red once it is past its deadline', () => {
    expect(orderTagType({ status: 'open', overdue: true })).toBe('danger')
    expect(orderTagType({ status: 'open', overdue: false })).toBe('warning')
    expect(orderTagType({ status: 'acknowledged', overdue: false })).toBe('info')
    expect(orderTagType({ status: 'closed', overdue: false })).toBe('success')
    expect(orderTagType({ status: 'void', overdue: false })).toBe('info')
  })
})

describe('routes', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().setAccessToken('A1')
  })
  afterEach(() => vi.unstubAllGlobals())

  it('has a supervision page for departments, not colleges, and an admin-only SLA page', async () => {
    stubFetch(() => json(ME))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/supervision')
    expect(router.currentRoute.value.name).toBe('not-found')
    await router.push('/admin/sla')
    expect(router.currentRoute.value.name).toBe('not-found')
    stubFetch(() => json({ ...ME, unit: { ...ME.unit, kind: 'department' } }))
    setActivePinia(createPinia())
    useAuthStore().setAccessToken('A1')
    const deptRouter = createAppRouter(createMemoryHistory())
    await deptRouter.push('/supervision')
    expect(deptRouter.currentRoute.value.name).toBe('supervision')
    const admin = { ...ME, is_admin: true, unit: { ...ME.unit, kind: 'committee' } }
    stubFetch(() => json(admin))
    setActivePinia(createPinia())
    useAuthStore().setAccessToken('A1')
    const router2 = createAppRouter(createMemoryHistory())
    await router2.push('/admin/sla')
    expect(router2.currentRoute.value.name).toBe('admin-sla')
  }, 30_000)
})

describe('canRaiseSupervision', () => {
  const held = (status: string, lead: number | null = 5) => ({ status, lead_department: lead == null ? null : { id: lead } })
  const order = (status: 'open' | 'acknowledged' | 'closed' | 'void', department = 5) => ({ status, department: { id: department } })
  it('allows an order while a department holds the ticket and has none live', () => {
    expect(canRaiseSupervision(held('dispatched'), [])).toBe(true)
    expect(canRaiseSupervision(held('accepted'), [order('closed')])).toBe(true)
    expect(canRaiseSupervision(held('accepted'), [order('void')])).toBe(true)
  })
  it("ignores another department's orders: the one that returned the ticket", () => {
    expect(canRaiseSupervision(held('dispatched', 7), [order('open', 5), order('acknowledged', 5)])).toBe(true)
  })
  it('refuses while its order is open or acknowledged, or no department holds the ticket', () => {
    expect(canRaiseSupervision(held('accepted'), [order('open')])).toBe(false)
    expect(canRaiseSupervision(held('accepted'), [order('acknowledged')])).toBe(false)
    expect(canRaiseSupervision(held('dispatched', null), [])).toBe(false)
    for (const s of ['submitted', 'replied', 'revisited', 'closed']) expect(canRaiseSupervision(held(s), [])).toBe(false)
  })
})
