import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ElTimePicker } from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { createAppI18n, type AppLocale } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import AdminCalendarView from '@/views/admin/AdminCalendarView.vue'
import { ME, json, problem, stubFetch, type Call } from './helpers'

const HOURS_PATH = '/api/v1/calendar/office-hours'
const NINE_TO_FIVE = { opens: '09:00', closes: '17:00', office_day_minutes: 480, updated_at: null }

async function mountCalendar(handler: (c: Call) => Response, locale: AppLocale = 'en') {
  const stub = stubFetch((c) => (c.path === HOURS_PATH ? handler(c) : json([])))
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { ...ME, is_admin: true } as never
  const w = mount(AdminCalendarView as never, { global: { plugins: [pinia, createAppI18n(locale)] } })
  await flushPromises()
  return { w, ...stub }
}

function pickers(w: ReturnType<typeof mount>) {
  return w.findAllComponents(ElTimePicker)
}

async function pick(w: ReturnType<typeof mount>, opens: string, closes: string) {
  const [o, c] = pickers(w)
  o!.vm.$emit('update:modelValue', opens)
  c!.vm.$emit('update:modelValue', closes)
  await flushPromises()
}

const puts = (calls: Call[]) => calls.filter((c) => c.method === 'PUT' && c.path === HOURS_PATH)

describe('office hours on the calendar admin page', () => {
  beforeEach(() => vi.unstubAllGlobals())
  afterEach(() => vi.unstubAllGlobals())

  it('shows the committee’s hours and what one working day is', async () => {
    const { w } = await mountCalendar(() => json(NINE_TO_FIVE))
    expect(w.get('[data-test="office-hours"]').text()).toContain('Office hours')
    expect(pickers(w).map((p) => p.props('modelValue'))).toEqual(['09:00', '17:00'])
    expect(w.get('[data-test="hours-day"]').text()).toBe('One working day = 8 office hours')
    w.unmount()
  })

  it('saves the picked hours with a PUT and shows what the server kept', async () => {
    const { w, calls } = await mountCalendar((c) =>
      c.method === 'PUT' ? json({ ...JSON.parse(c.body), office_day_minutes: 570, updated_at: '2026-03-10T02:00:00Z' }) : json(NINE_TO_FIVE),
    )
    await pick(w, '08:00', '17:30')
    await w.get('[data-test="hours-save"]').trigger('submit')
    await flushPromises()
    const [put] = puts(calls)
    expect(JSON.parse(put!.body)).toEqual({ opens: '08:00', closes: '17:30' })
    expect(w.get('[data-test="hours-day"]').text()).toBe('One working day = 9.5 office hours')
    expect(w.find('[data-test="office-hours"] .el-alert').exists()).toBe(false)
    w.unmount()
  })

  it('refuses closing before opening without asking the server', async () => {
    const { w, calls } = await mountCalendar(() => json(NINE_TO_FIVE))
    await pick(w, '18:00', '09:00')
    await w.get('[data-test="hours-save"]').trigger('submit')
    await flushPromises()
    expect(puts(calls)).toHaveLength(0)
    expect(w.get('[data-test="office-hours"] .el-alert').text()).toContain('The office must open before it closes.')
    w.unmount()
  })

  it('shows the server’s refusal in the admin’s language', async () => {
    const { w } = await mountCalendar(
      (c) => (c.method === 'PUT' ? problem(422, 'office_hours_span', 'too short') : json(NINE_TO_FIVE)),
      'zh-CN',
    )
    expect(w.get('[data-test="office-hours"]').text()).toContain('办公时间')
    expect(w.get('[data-test="hours-day"]').text()).toBe('一个工作日 = 8 个办公小时')
    await pick(w, '09:00', '10:00')
    await w.get('[data-test="hours-save"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test="office-hours"] .el-alert').text()).toContain('每天办公时长须在 2 至 16 小时之间。')
    w.unmount()
  })
})
