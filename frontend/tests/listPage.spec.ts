import { beforeAll, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { ElConfigProvider } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import { ApiError } from '@/api/problem'
import { createAppI18n } from '@/i18n'
import ListPage from '@/components/ListPage.vue'

/* A viewport whose width the tests can change (useIsPhone listens to one media query). */
const listeners: Array<(e: { matches: boolean }) => void> = []
let phone = false
beforeAll(() => {
  window.matchMedia = ((query: string) => ({
    media: query,
    get matches() {
      return phone
    },
    addEventListener: (_: string, cb: (e: { matches: boolean }) => void) => listeners.push(cb),
    removeEventListener: () => undefined,
  })) as unknown as typeof window.matchMedia
})
async function setPhone(value: boolean) {
  phone = value
  listeners.forEach((cb) => cb({ matches: value }))
  await nextTick()
}

interface Row {
  id: number
  name: string
}
const ROWS: Row[] = [
  { id: 1, name: '第一' },
  { id: 2, name: '第二' },
]

function render(props: Record<string, unknown>, withMore = true) {
  const slots = {
    search: () => h('label', { 'data-test': 'f-main' }, 'main'),
    ...(withMore ? { 'search-more': () => h('label', { 'data-test': 'f-more' }, 'more') } : {}),
    toolbar: () => h('button', { 'data-test': 'tb' }, 'new'),
    table: (p: { items: Row[]; emptyText: string }) =>
      h('table', { 'data-test': 'tbl', 'data-empty': p.emptyText }, p.items.map((r) => h('tr', r.name))),
    card: (p: { item: Row; index: number }) => h('div', { class: 'c' }, `${p.index}:${p.item.name}`),
  }
  // Inside the Chinese Element Plus locale, as App.vue does.
  const root = mount(
    defineComponent({
      props: { p: { type: Object, required: true } },
      setup: (outer) => () => h(ElConfigProvider, { locale: zhCn }, () => h(ListPage, outer.p as never, slots)),
    }),
    {
      props: { p: { items: ROWS, total: 35, loaded: true, title: '列表', ...props } },
      global: { plugins: [createAppI18n('zh-CN')] },
    },
  )
  const page = root.findComponent(ListPage)
  return Object.assign(page, {
    setProps: (more: Record<string, unknown>) =>
      root.setProps({ p: { items: ROWS, total: 35, loaded: true, title: '列表', ...props, ...more } }),
  })
}

describe('ListPage', () => {
  it('shows the table slot at desktop width and the cards on a phone', async () => {
    await setPhone(false)
    const w = render({})
    expect(w.find('[data-test="tbl"]').exists()).toBe(true)
    expect(w.findAll('[data-test="tbl"] tr').map((r) => r.text())).toEqual(['第一', '第二'])
    expect(w.find('[data-test="list-cards"]').exists()).toBe(false)
    await setPhone(true)
    expect(w.find('[data-test="tbl"]').exists()).toBe(false)
    expect(w.findAll('.c').map((c) => c.text())).toEqual(['0:第一', '1:第二'])
    await setPhone(false)
  })

  it('search and reset emit; 展开/收起 shows the extra fields', async () => {
    await setPhone(false)
    const w = render({})
    expect(w.find('[data-test="f-main"]').exists()).toBe(true)
    expect(w.find('[data-test="f-more"]').exists()).toBe(false)
    const toggle = w.find('[data-test="search-toggle"]')
    expect(toggle.text()).toBe('展开')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    expect(w.find('[data-test="f-more"]').exists()).toBe(true)
    expect(w.find('[data-test="search-toggle"]').text()).toBe('收起')
    await w.find('form').trigger('submit')
    await w.find('[data-test="reset"]').trigger('click')
    expect(w.emitted('search')).toHaveLength(1)
    expect(w.emitted('reset')).toHaveLength(1)
  })

  it('has no toggle when there are no extra fields', () => {
    const w = render({}, false)
    expect(w.find('[data-test="search-toggle"]').exists()).toBe(false)
  })

  it('pages with the total, sizes 10/20/50 and a jumper; emits the page chosen', async () => {
    await setPhone(false)
    const w = render({ page: 1, size: 10 })
    const pager = w.find('[data-test="list-pager"]')
    expect(pager.text()).toContain('共 35 条')
    expect(pager.find('.el-pagination__jump').exists()).toBe(true)
    expect(pager.find('.el-pagination__sizes').exists()).toBe(true)
    // 35 rows at 10 a page: pages 1–4.
    expect(pager.findAll('.el-pager li').map((li) => li.text())).toEqual(['1', '2', '3', '4'])
    await pager.findAll('.el-pager li')[2]!.trigger('click')
    expect(w.emitted('update:page')).toEqual([[3]])
  })

  it('a phone pager is compact: no sizes, no jumper', async () => {
    await setPhone(true)
    const w = render({ page: 1, size: 10 })
    const pager = w.find('[data-test="list-pager"]')
    expect(pager.text()).toContain('共 35 条')
    expect(pager.find('.el-pagination__jump').exists()).toBe(false)
    expect(pager.find('.el-pagination__sizes').exists()).toBe(false)
    await setPhone(false)
  })

  it('shows the error with its message and a retry button', async () => {
    const onRetry = vi.fn()
    const w = render({
      items: [],
      total: null,
      error: new ApiError({ code: 'forbidden', detail: 'x', status: 403 }, 403),
      onRetry,
    })
    const alert = w.find('[data-test="list-error"]')
    expect(alert.exists()).toBe(true)
    // The code's translation, not the server's English detail.
    expect(alert.text()).toContain('您没有执行此操作的权限。')
    await w.find('[data-test="list-retry"]').trigger('click')
    expect(onRetry).toHaveBeenCalledTimes(1)
    expect(w.find('[data-test="list-pager"]').exists()).toBe(false)
  })

  it('a network failure says so', () => {
    const w = render({ items: [], total: null, error: new TypeError('Failed to fetch') })
    expect(w.find('[data-test="list-error"]').text()).toContain('网络')
  })

  it('empty: the table gets the empty text, a phone shows the empty state', async () => {
    await setPhone(false)
    const w = render({ items: [], total: 0, emptyText: '暂无工单' })
    expect(w.find('[data-test="tbl"]').attributes('data-empty')).toBe('暂无工单')
    expect(w.find('[data-test="list-pager"]').exists()).toBe(false)
    await setPhone(true)
    expect(w.find('[data-test="list-empty"]').text()).toContain('暂无工单')
    await setPhone(false)
  })

  it('before the first answer the table says loading, not empty', () => {
    const w = render({ items: [], total: null, loaded: false })
    expect(w.find('[data-test="tbl"]').attributes('data-empty')).toBe('加载中…')
  })

  it('a cursor list offers "load more" instead of pages', async () => {
    const w = render({ total: null, hasMore: true })
    expect(w.find('[data-test="list-pager"]').exists()).toBe(false)
    await w.find('[data-test="load-more"]').trigger('click')
    expect(w.emitted('load-more')).toHaveLength(1)
    await w.setProps({ hasMore: false })
    expect(w.find('[data-test="load-more"]').exists()).toBe(false)
    expect(w.text()).toContain('没有更多了')
  })

  it('renders its toolbar and title', async () => {
    const w = render({})
    await flushPromises()
    expect(w.find('h1').text()).toBe('列表')
    expect(w.find('[data-test="tb"]').exists()).toBe(true)
  })

  it('given a list, shows its state and drives it: search, reset, page, size, retry', async () => {
    await setPhone(false)
    const calls: string[] = []
    const list = {
      items: ref(ROWS),
      total: ref<number | null>(35),
      page: ref(2),
      size: ref(10),
      loading: ref(false),
      loaded: ref(true),
      error: ref<unknown>(null),
      hasMore: ref(false),
      load: async () => void calls.push('load'),
      search: async () => void calls.push('search'),
      reset: async () => void calls.push('reset'),
      setPage: async (p: number) => void calls.push(`page ${p}`),
      setSize: async (n: number) => void calls.push(`size ${n}`),
      loadMore: async () => void calls.push('more'),
    }
    const w = render({ list, items: undefined, total: undefined, loaded: undefined })
    expect(w.findAll('[data-test="tbl"] tr').map((r) => r.text())).toEqual(['第一', '第二'])
    const pager = w.find('[data-test="list-pager"]')
    expect(pager.text()).toContain('共 35 条')
    expect(pager.find('.el-pager li.is-active').text()).toBe('2')
    await w.find('form').trigger('submit')
    await w.find('[data-test="reset"]').trigger('click')
    await pager.findAll('.el-pager li')[3]!.trigger('click')
    list.error.value = new TypeError('Failed to fetch')
    await nextTick()
    await w.find('[data-test="list-retry"]').trigger('click')
    expect(calls).toEqual(['search', 'reset', 'page 4', 'load'])
    // The list is the source: nothing is emitted for a parent to handle twice.
    expect(w.emitted('search')).toBeUndefined()
    expect(w.emitted('update:page')).toBeUndefined()
  })
})
