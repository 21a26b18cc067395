import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { listCategories, listUnits, type Category, type Unit, type UnitKind } from '@/api/units'

/**
 * The units and categories every page names or offers in a select. Fetched once (inactive ones
 * included, so old tickets still show their names) and shared; admin pages call `refresh()`
 * after a save so every page sees the change. Selects offer only the active ones.
 */
export const useCatalogStore = defineStore('catalog', () => {
  const units = ref<Unit[]>([])
  const categories = ref<Category[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  /** The last load's failure (null once a load succeeded). */
  const error = ref<unknown>(null)

  let pending: Promise<void> | null = null
  let generation = 0

  const unitById = computed(() => new Map(units.value.map((u) => [u.id, u])))
  const categoryById = computed(() => new Map(categories.value.map((c) => [c.id, c])))
  const activeUnits = computed(() => units.value.filter((u) => u.is_active))
  const activeCategories = computed(() => categories.value.filter((c) => c.is_active))
  const departments = computed(() => activeUnits.value.filter((u) => u.kind === 'department'))
  const colleges = computed(() => activeUnits.value.filter((u) => u.kind === 'college'))

  /** Fetch both lists now (again). A load that started earlier and ends later is dropped. */
  function refresh(): Promise<void> {
    const mine = ++generation
    loading.value = true
    const run = (async () => {
      try {
        const [u, c] = await Promise.all([listUnits({ include_inactive: true }), listCategories({ include_inactive: true })])
        if (mine !== generation) return
        units.value = u
        categories.value = c
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

  /** Load once: later calls reuse the lists (or the load under way). */
  function ensure(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    return pending ?? refresh()
  }

  function unitsOfKind(kind: UnitKind, opts: { includeInactive?: boolean } = {}): Unit[] {
    return (opts.includeInactive ? units.value : activeUnits.value).filter((u) => u.kind === kind)
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
    generation++
    pending = null
    units.value = []
    categories.value = []
    loaded.value = false
    loading.value = false
    error.value = null
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
    unitsOfKind,
    unitName,
    categoryName,
    reset,
  }
})
