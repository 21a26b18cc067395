import { defineStore } from 'pinia'
import { computed, shallowRef, type ShallowRef } from 'vue'
import { listCategories, listUnits, type Unit, type UnitKind } from '@/api/units'

/** One list loaded once and shared: later asks reuse it (or the load under way). */
interface Slice<T> {
  items: ShallowRef<T[]>
  loaded: ShallowRef<boolean>
  loading: ShallowRef<boolean>
  error: ShallowRef<unknown>
  refresh: () => Promise<void>
  ensure: () => Promise<void>
  reset: () => void
}

function slice<T>(load: () => Promise<T[]>): Slice<T> {
  const items = shallowRef<T[]>([])
  const loaded = shallowRef(false)
  const loading = shallowRef(false)
  const error = shallowRef<unknown>(null)
  let pending: Promise<void> | null = null
  let generation = 0

  /** Fetch now (again). A load that started earlier and ends later is dropped. */
  function refresh(): Promise<void> {
    const mine = ++generation
    loading.value = true
    const run = (async () => {
      try {
        const got = await load()
        if (mine !== generation) return
        items.value = got
        loaded.value = true
        error.value = null
      } catch (e) {
        if (mine !== generation) return
        error.value = e
        throw e
      } finally {
        if (mine === generation) {
          loading.value = false
          pending = null
        }
      }
    })()
    pending = run
    return run
  }

  function ensure(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    return pending ?? refresh()
  }

  function reset(): void {
    generation++
    pending = null
    items.value = []
    loaded.value = false
    loading.value = false
    error.value = null
  }

  return { items, loaded, loading, error, refresh, ensure, reset }
}

/**
 * The units and categories every page names or offers in a select. Each list is fetched once
 * (inactive entries included, so old tickets still show their names) and shared; admin pages
 * call `refresh()` after a save so every page sees the change. Selects offer only the active
 * ones. The two lists load separately, so a page asks only for what it shows (a college's
 * new-ticket form never fetches the units).
 */
export const useCatalogStore = defineStore('catalog', () => {
  const u = slice(() => listUnits({ include_inactive: true }))
  const c = slice(() => listCategories({ include_inactive: true }))
  const units = u.items
  const categories = c.items

  /** Both lists are loaded. */
  const loaded = computed(() => u.loaded.value && c.loaded.value)
  const loading = computed(() => u.loading.value || c.loading.value)
  /** The last failed load's error (null once each list loaded or was never tried). */
  const error = computed(() => u.error.value ?? c.error.value)

  const unitById = computed(() => new Map(units.value.map((x) => [x.id, x])))
  const categoryById = computed(() => new Map(categories.value.map((x) => [x.id, x])))
  const activeUnits = computed(() => units.value.filter((x) => x.is_active))
  const activeCategories = computed(() => categories.value.filter((x) => x.is_active))
  const departments = computed(() => activeUnits.value.filter((x) => x.kind === 'department'))
  const colleges = computed(() => activeUnits.value.filter((x) => x.kind === 'college'))

  /** Fetch both lists now (again). */
  async function refresh(): Promise<void> {
    await Promise.all([u.refresh(), c.refresh()])
  }

  /** Load both once. */
  async function ensure(): Promise<void> {
    await Promise.all([u.ensure(), c.ensure()])
  }

  function unitsOfKind(kind: UnitKind, opts: { includeInactive?: boolean } = {}): Unit[] {
    return (opts.includeInactive ? units.value : activeUnits.value).filter((x) => x.kind === kind)
  }

  /** The unit's name, or `#id` while the lists are not loaded (or for an id they lack). */
  function unitName(id: number | null | undefined): string {
    if (id == null) return ''
    return unitById.value.get(id)?.name ?? `#${id}`
  }

  function categoryName(id: number | null | undefined): string {
    if (id == null) return ''
    return categoryById.value.get(id)?.name ?? `#${id}`
  }

  /** Forget the lists (on sign-out), so the next user loads them afresh. */
  function reset(): void {
    u.reset()
    c.reset()
  }

  return {
    units,
    categories,
    loaded,
    loading,
    error,
    activeUnits,
    activeCategories,
    departments,
    colleges,
    refresh,
    ensure,
    ensureUnits: u.ensure,
    ensureCategories: c.ensure,
    refreshUnits: u.refresh,
    refreshCategories: c.refresh,
    unitsOfKind,
    unitName,
    categoryName,
    reset,
  }
})
