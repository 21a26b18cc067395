import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import SupervisionView from '@/views/supervision/SupervisionView.vue'
import { ME, json, stubFetch } from './helpers'

const UNITS = [
  { id: 1, kind: 'committee', name: '机关党委', code: 'cmt', is_active: true },
  { id: 5, kind: 'department', name: '教务处', code: 'jwc', is_active: true },
]

describe('SupervisionView: the department filter from the shared catalogue', () => {
  beforeEach(() => {
    vi.unstubAllGlobals()
    window.matchMedia = ((query: string) => ({
      media: query,
      matches: false,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    })) as unknown as typeof window.matchMedia
  })
  afterEach(() => vi.unstubAllGlobals())

  function setUp(kind: 'committee' | 'department') {
    const stub = stubFetch((c) => {
      if (c.path === '/api/v1/supervision-orders') return json({ items: [], next_cursor: null })
      if (c.path === '/api/v1/units') return json(UNITS)
      return json([])
    })
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { ...ME, unit: { id: kind === 'committee' ? 1 : 5, kind, name: 'x', code: 'x' } } as never
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/supervision', name: 'supervision', component: SupervisionView }],
    })
    const open = async (url: string) => {
      await router.push(url)
      const w = mount(SupervisionView, { global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
      await flushPromises()
      await flushPromises()
      return w
    }
    return { ...stub, open }
  }

  it('the committee loads the units once however often it opens the page', async () => {
    const { calls, open } = setUp('committee')
    ;(await open('/supervision')).unmount()
    const w = await open('/supervision?department_id=5')
    expect(calls.filter((c) => c.path === '/api/v1/supervision-orders')).toHaveLength(2)
    expect(calls.filter((c) => c.path === '/api/v1/units')).toHaveLength(1)
    expect(w.get('[data-test="filter-order-department"]').text()).toContain('教务处')
    w.unmount()
  }, 30_000)

  it('a department, which sees its own orders only, has no filter and loads no units', async () => {
    const { calls, open } = setUp('department')
    const w = await open('/supervision')
    expect(calls.filter((c) => c.path === '/api/v1/supervision-orders')).toHaveLength(1)
    expect(w.find('[data-test="filter-order-department"]').exists()).toBe(false)
    expect(calls.some((c) => c.path === '/api/v1/units')).toBe(false)
    w.unmount()
  }, 30_000)
})
