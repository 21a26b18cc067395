import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import { useCatalogStore } from '@/stores/catalog'
import { json, problem, stubFetch, type Call } from './helpers'

const UNITS = [
  { id: 1, kind: 'committee', name: '机关党委', code: 'cmt', is_active: true },
  { id: 5, kind: 'department', name: '教务处', code: 'jwc', is_active: true },
  { id: 6, kind: 'department', name: '旧处', code: 'old', is_active: false },
  { id: 9, kind: 'college', name: '计算机学院', code: 'cs', is_active: true },
]
const CATEGORIES = [
  { id: 2, name: '教学', default_department_id: 5, is_active: true },
  { id: 3, name: '停用类别', default_department_id: null, is_active: false },
]

const gets = (calls: Call[], path: string) => calls.filter((c) => c.method === 'GET' && c.path === path)

describe('catalog store (units and categories)', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('fetches once, inactive ones included, however many pages ask', async () => {
    const { calls } = stubFetch((c) => json(c.path === '/api/v1/units' ? UNITS : CATEGORIES))
    const catalog = useCatalogStore()
    // Three pages mounting at once, then one more later.
    await Promise.all([catalog.ensure(), catalog.ensure(), useCatalogStore().ensure()])
    await catalog.ensure()
    expect(gets(calls, '/api/v1/units')).toHaveLength(1)
    expect(gets(calls, '/api/v1/categories')).toHaveLength(1)
    for (const c of calls) expect(new URL(c.url).searchParams.get('include_inactive')).toBe('true')

    expect(catalog.unitName(5)).toBe('教务处')
    expect(catalog.unitName(6)).toBe('旧处') // an old ticket's inactive unit keeps its name
    expect(catalog.unitName(404)).toBe('#404')
    expect(catalog.unitName(null)).toBe('')
    expect(catalog.categoryName(3)).toBe('停用类别')
    // Selects offer the active ones only.
    expect(catalog.departments.map((u) => u.id)).toEqual([5])
    expect(catalog.colleges.map((u) => u.id)).toEqual([9])
    expect(catalog.activeCategories.map((c) => c.id)).toEqual([2])
    expect(catalog.unitsOfKind('department', { includeInactive: true }).map((u) => u.id)).toEqual([5, 6])
  })

  it('refresh() loads again, and a later ensure() does not', async () => {
    let units = UNITS
    const { calls } = stubFetch((c) => json(c.path === '/api/v1/units' ? units : CATEGORIES))
    const catalog = useCatalogStore()
    await catalog.ensure()
    units = [...UNITS, { id: 10, kind: 'department', name: '后勤处', code: 'hq', is_active: true }]
    await catalog.refresh()
    expect(catalog.departments.map((u) => u.name)).toEqual(['教务处', '后勤处'])
    await catalog.ensure()
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
  })

  it('an older load that answers last does not overwrite a newer one', async () => {
    // Each refresh is round 1, 2 …; its two requests wait until the test releases that round.
    const gates = new Map<number, Array<() => void>>()
    const rounds = { units: 0, categories: 0 }
    stubFetch(async (c) => {
      const isUnits = c.path === '/api/v1/units'
      const round = isUnits ? ++rounds.units : ++rounds.categories
      await new Promise<void>((r) => gates.set(round, [...(gates.get(round) ?? []), r]))
      if (!isUnits) return json(CATEGORIES)
      return json(round === 1 ? [UNITS[0]] : UNITS)
    })
    const release = (round: number) => gates.get(round)?.forEach((r) => r())
    const catalog = useCatalogStore()
    const first = catalog.refresh()
    const second = catalog.refresh()
    await vi.waitFor(() => expect((gates.get(1)?.length ?? 0) + (gates.get(2)?.length ?? 0)).toBe(4))
    // The newer answers first, then the older one.
    release(2)
    await second
    expect(catalog.units).toHaveLength(UNITS.length)
    release(1)
    await first
    expect(catalog.units).toHaveLength(UNITS.length)
    expect(catalog.loading).toBe(false)
  })

  it('a failed load is reported and the next ensure() tries again', async () => {
    let fail = true
    const { calls } = stubFetch((c) =>
      fail ? problem(503, 'unavailable', 'down') : json(c.path === '/api/v1/units' ? UNITS : CATEGORIES),
    )
    const catalog = useCatalogStore()
    await expect(catalog.ensure()).rejects.toThrow()
    expect(catalog.loaded).toBe(false)
    expect(catalog.error).not.toBeNull()
    fail = false
    await catalog.ensure()
    expect(catalog.loaded).toBe(true)
    expect(catalog.error).toBeNull()
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
  })

  it('each list loads on its own: a page that needs one does not fetch the other', async () => {
    const { calls } = stubFetch((c) => json(c.path === '/api/v1/units' ? UNITS : CATEGORIES))
    const catalog = useCatalogStore()
    await catalog.ensureCategories()
    expect(gets(calls, '/api/v1/units')).toHaveLength(0)
    expect(catalog.categoryName(2)).toBe('教学')
    expect(catalog.loaded).toBe(false) // the units are still to come
    await Promise.all([catalog.ensureUnits(), catalog.ensure()])
    await catalog.ensureCategories()
    expect(gets(calls, '/api/v1/units')).toHaveLength(1)
    expect(gets(calls, '/api/v1/categories')).toHaveLength(1)
    expect(catalog.loaded).toBe(true)
  })

  it('sign-out forgets the lists, so the next user on the tab loads them afresh', async () => {
    let units = UNITS
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/auth/logout') return new Response(null, { status: 204 })
      return json(c.path === '/api/v1/units' ? units : CATEGORIES)
    })
    const auth = useAuthStore()
    installAuthHooks(auth, () => undefined)
    auth.setAccessToken('A1')
    const catalog = useCatalogStore()
    await catalog.ensure()
    expect(catalog.unitName(5)).toBe('教务处')

    await auth.logout()
    expect(catalog.loaded).toBe(false)
    expect(catalog.units).toEqual([])
    expect(catalog.categories).toEqual([])
    expect(catalog.unitName(5)).toBe('#5')

    // The next user signs in on the same tab; the catalogue changed meanwhile.
    units = UNITS.map((u) => (u.id === 5 ? { ...u, name: '本科生院' } : u))
    auth.setAccessToken('B1')
    await catalog.ensure()
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
    expect(gets(calls, '/api/v1/categories')).toHaveLength(2)
    expect(catalog.unitName(5)).toBe('本科生院')
  })

  it('a load still under way when the session ends does not fill the next session', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    let firstUnits = true
    const { calls } = stubFetch(async (c) => {
      if (c.path === '/api/v1/units' && firstUnits) {
        firstUnits = false
        await gate
        return json(UNITS)
      }
      return json(c.path === '/api/v1/units' ? [UNITS[0]] : CATEGORIES)
    })
    const auth = useAuthStore()
    auth.setAccessToken('A1')
    const catalog = useCatalogStore()
    const before = catalog.ensureUnits()
    await vi.waitFor(() => expect(gets(calls, '/api/v1/units')).toHaveLength(1))
    auth.clear() // e.g. the server answered 401 to a refresh
    release()
    await before
    expect(catalog.units).toEqual([])
    expect(catalog.loading).toBe(false)
    await catalog.ensureUnits()
    expect(gets(calls, '/api/v1/units')).toHaveLength(2)
    expect(catalog.units.map((u) => u.id)).toEqual([1])
  })
})
