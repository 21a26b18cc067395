import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter, RouterView, type LocationQuery } from 'vue-router'
import {
  emptyFilters,
  field,
  filtersFromQuery,
  filtersToQuery,
  usePagedList,
  type FetchContext,
  type ListResult,
  type PagedList,
} from '@/composables/usePagedList'
import { listReturnLocation, rememberListPosition, takeReturnScroll } from '@/utils/listReturn'

type Colour = 'red' | 'green' | 'blue'
const COLOURS: readonly Colour[] = ['red', 'green', 'blue']

interface Filters {
  q: string
  colour: Colour[]
  unit: number | null
  late: boolean | null
  from: string
}

const spec = {
  q: field.text(10),
  colour: field.manyOf(COLOURS),
  unit: field.id(),
  late: field.bool(),
  from: field.date(),
}

describe('filters ⇄ URL query', () => {
  it('reads every kind of field and drops invalid values', () => {
    const f = filtersFromQuery<Filters>(spec, {
      q: '  hello world and more ',
      colour: ['blue', 'purple', 'red', 'red'],
      unit: '12',
      late: 'false',
      from: '2026-03-01',
    })
    expect(f).toEqual({ q: 'hello worl', colour: ['red', 'blue'], unit: 12, late: false, from: '2026-03-01' })

    const bad = filtersFromQuery<Filters>(spec, { unit: '-3', late: 'yes', from: '1.3.2026', colour: 'x' })
    expect(bad).toEqual(emptyFilters(spec))
    expect(filtersFromQuery<Filters>(spec, { unit: '1.5' }).unit).toBeNull()
  })

  it('writes only what differs from the defaults', () => {
    expect(filtersToQuery<Filters>(spec, emptyFilters(spec))).toEqual({})
    const q = filtersToQuery<Filters>(spec, { q: ' x ', colour: ['blue', 'red'], unit: 4, late: true, from: '' })
    // Repeated keys for several values, the closed list's order, trimmed text.
    expect(q).toEqual({ q: 'x', colour: ['red', 'blue'], unit: '4', late: 'true' })
    expect(filtersFromQuery<Filters>(spec, q as LocationQuery)).toEqual({
      q: 'x',
      colour: ['red', 'blue'],
      unit: 4,
      late: true,
      from: '',
    })
  })

  it('oneOf with a fallback leaves the fallback out of the URL', () => {
    const sort = field.oneOf(['new', 'old'] as const, 'new')
    expect(sort.parse([])).toBe('new')
    expect(sort.parse(['bogus'])).toBe('new')
    expect(sort.format('new')).toEqual([])
    expect(sort.format('old')).toEqual(['old'])
  })
})

/* ---- the composable inside a routed component ---- */

interface Pending {
  filters: Filters
  page: number
  size: number
  ctx: FetchContext
  resolve: (r: ListResult<string>) => void
  reject: (e: unknown) => void
}

function harness(initial: string, opts: { mode?: 'page' | 'cursor' } = {}) {
  const calls: Pending[] = []
  let list!: PagedList<Filters, string>
  const Page = defineComponent({
    setup() {
      list = usePagedList<Filters, string>({
        spec,
        mode: opts.mode,
        returnKey: 'things',
        fetch: (filters, page, size, ctx) =>
          new Promise((resolve, reject) => calls.push({ filters: { ...filters }, page, size, ctx, resolve, reject })),
      })
      return () => h('ul', list.items.value.map((i) => h('li', i)))
    },
  })
  const Other = defineComponent({ render: () => h('p', 'other') })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/things', component: Page },
      { path: '/other', component: Other },
    ],
  })
  return {
    calls,
    router,
    get list() {
      return list
    },
    async mount() {
      await router.push(initial)
      const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } })
      await flushPromises()
      return wrapper
    },
  }
}

afterEach(() => sessionStorage.clear())

describe('usePagedList', () => {
  it('loads what the URL says: filters, page and size', async () => {
    const t = harness('/things?q=abc&colour=green&page=3&size=50&late=true')
    await t.mount()
    expect(t.calls).toHaveLength(1)
    expect(t.calls[0]).toMatchObject({
      filters: { q: 'abc', colour: ['green'], unit: null, late: true, from: '' },
      page: 3,
      size: 50,
    })
    expect(t.list.filters.q).toBe('abc')
    t.calls[0]!.resolve({ items: ['a', 'b'], total: 102 })
    await flushPromises()
    expect(t.list.items.value).toEqual(['a', 'b'])
    expect(t.list.total.value).toBe(102)
    expect(t.list.loading.value).toBe(false)
  })

  it('a size outside 10/20/50 falls back to 20', async () => {
    const t = harness('/things?size=1000&page=0')
    await t.mount()
    expect(t.calls[0]).toMatchObject({ page: 1, size: 20 })
  })

  it('search() applies the form from page 1 and writes the URL without defaults', async () => {
    const t = harness('/things?page=4')
    await t.mount()
    t.calls[0]!.resolve({ items: [], total: 100 })
    await flushPromises()
    t.list.filters.colour = ['red']
    t.list.filters.unit = 9
    void t.list.search()
    await flushPromises()
    expect(t.router.currentRoute.value.query).toEqual({ colour: 'red', unit: '9' })
    expect(t.calls).toHaveLength(2)
    expect(t.calls[1]).toMatchObject({ page: 1, filters: { colour: ['red'], unit: 9 } })
  })

  it('paging and size changes go to the URL; reset clears everything', async () => {
    const t = harness('/things?q=x')
    await t.mount()
    void t.list.setPage(2)
    await flushPromises()
    expect(t.router.currentRoute.value.query).toEqual({ q: 'x', page: '2' })
    void t.list.setSize(50)
    await flushPromises()
    expect(t.router.currentRoute.value.query).toEqual({ q: 'x', size: '50' })
    void t.list.reset()
    await flushPromises()
    expect(t.router.currentRoute.value.query).toEqual({ size: '50' })
    expect(t.list.filters.q).toBe('')
    // One request per change, none for the URL updates the list made itself.
    expect(t.calls.map((c) => [c.page, c.size, c.filters.q])).toEqual([
      [1, 20, 'x'],
      [2, 20, 'x'],
      [1, 50, 'x'],
      [1, 50, ''],
    ])
  })

  it('an older response never overwrites a newer one, and its request is aborted', async () => {
    const t = harness('/things')
    await t.mount()
    t.list.filters.q = 'new'
    void t.list.search()
    await flushPromises()
    expect(t.calls).toHaveLength(2)
    const [older, newer] = t.calls as [Pending, Pending]
    expect(older.ctx.signal.aborted).toBe(true)
    expect(newer.ctx.signal.aborted).toBe(false)
    newer.resolve({ items: ['fresh'], total: 1 })
    await flushPromises()
    older.resolve({ items: ['stale'], total: 9 })
    await flushPromises()
    expect(t.list.items.value).toEqual(['fresh'])
    expect(t.list.total.value).toBe(1)
    // A late failure of the old request does not show an error either.
    older.reject(new Error('late'))
    await flushPromises()
    expect(t.list.error.value).toBeNull()
  })

  it('keeps loading true until the newest answer arrives', async () => {
    const t = harness('/things')
    await t.mount()
    void t.list.setPage(2)
    await flushPromises()
    t.calls[0]!.resolve({ items: ['p1'], total: 40 })
    await flushPromises()
    expect(t.list.loading.value).toBe(true)
    expect(t.list.items.value).toEqual([])
    t.calls[1]!.resolve({ items: ['p2'], total: 40 })
    await flushPromises()
    expect(t.list.loading.value).toBe(false)
    expect(t.list.items.value).toEqual(['p2'])
  })

  it('follows a URL change made by someone else (a link with other filters, browser back)', async () => {
    const t = harness('/things?colour=red')
    await t.mount()
    await t.router.push('/things?late=true&page=2')
    await flushPromises()
    expect(t.calls).toHaveLength(2)
    expect(t.calls[1]).toMatchObject({ page: 2, filters: { colour: [], late: true } })
    expect(t.list.filters.late).toBe(true)
    expect(t.list.filters.colour).toEqual([])
  })

  it('a page past the end shows the last page', async () => {
    const t = harness('/things?page=9')
    await t.mount()
    t.calls[0]!.resolve({ items: [], total: 45 })
    await flushPromises()
    expect(t.calls).toHaveLength(2)
    expect(t.calls[1]!.page).toBe(3)
    expect(t.router.currentRoute.value.query).toEqual({ page: '3' })
  })

  it('keeps the error of a failed load until the next load succeeds', async () => {
    const t = harness('/things')
    await t.mount()
    const boom = new Error('down')
    t.calls[0]!.reject(boom)
    await flushPromises()
    expect(t.list.error.value).toBe(boom)
    expect(t.list.loading.value).toBe(false)
    void t.list.load()
    await nextTick()
    expect(t.list.error.value).toBeNull()
    t.calls[1]!.resolve({ items: ['ok'], total: 1 })
    await flushPromises()
    expect(t.list.items.value).toEqual(['ok'])
  })

  it('cursor mode appends the next page and keeps page/size out of the URL', async () => {
    const t = harness('/things?page=2', { mode: 'cursor' })
    await t.mount()
    expect(t.calls[0]!.ctx.cursor).toBeNull()
    t.calls[0]!.resolve({ items: ['a'], total: null, next: 'c1' })
    await flushPromises()
    expect(t.list.hasMore.value).toBe(true)
    void t.list.loadMore()
    await flushPromises()
    expect(t.calls[1]!.ctx.cursor).toBe('c1')
    t.calls[1]!.resolve({ items: ['b'], total: null, next: null })
    await flushPromises()
    expect(t.list.items.value).toEqual(['a', 'b'])
    expect(t.list.hasMore.value).toBe(false)
    t.list.filters.q = 'z'
    void t.list.search()
    await flushPromises()
    expect(t.router.currentRoute.value.query).toEqual({ q: 'z' })
  })

  it('remembers its URL and scroll position when left, for the back link', async () => {
    const t = harness('/things?colour=blue&page=2')
    await t.mount()
    Object.defineProperty(window, 'scrollY', { value: 640, configurable: true })
    await t.router.push('/other')
    Object.defineProperty(window, 'scrollY', { value: 0, configurable: true })
    expect(listReturnLocation('things', '/things')).toEqual({
      path: '/things',
      query: { colour: 'blue', page: '2' },
      state: { listScroll: 640 },
    })
  })
})

describe('listReturn', () => {
  it('falls back to the plain list, and ignores paths of other pages', () => {
    expect(listReturnLocation('things', '/things')).toEqual({ path: '/things' })
    rememberListPosition('things', '/elsewhere?x=1', 10)
    expect(listReturnLocation('things', '/things')).toEqual({ path: '/things' })
    rememberListPosition('things', '/things?status=a&status=b', 5)
    expect(listReturnLocation('things', '/things')).toEqual({
      path: '/things',
      query: { status: ['a', 'b'] },
      state: { listScroll: 5 },
    })
  })

  it('reads the position from the back link state or the router-saved scroll', () => {
    window.history.replaceState({ listScroll: 300 }, '')
    expect(takeReturnScroll()).toBe(300)
    window.history.replaceState({ scroll: { left: 0, top: 120 } }, '')
    expect(takeReturnScroll()).toBe(120)
    window.history.replaceState({ scroll: null }, '')
    expect(takeReturnScroll()).toBeNull()
  })
})
