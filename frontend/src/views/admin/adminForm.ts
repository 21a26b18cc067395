import { computed, reactive, ref, type UnwrapRef } from 'vue'
import { draftKey, useDraft } from '@/composables/useDraft'
import { useAuthStore } from '@/stores/auth'

/**
 * An admin dialog's form with a draft: `open(initial, id)` fills it with a row's values (or the
 * blank form for a new row, id 'new') and then restores what was typed into it last time and not
 * saved. `dirty` says the form differs from what it was opened with (FormDialog then asks before
 * closing). Fields listed in `secret` (passwords) are never written to the draft.
 */
export function useAdminForm<F extends object>(name: string, blank: () => F, opts: { secret?: Array<keyof F> } = {}) {
  const auth = useAuthStore()
  const form = reactive(blank()) as UnwrapRef<F> & F
  const secret = new Set<PropertyKey>(opts.secret ?? [])
  const key = ref<string | null>(null)
  const baseline = ref('')
  /** Whether the last open() brought back a draft. */
  const restored = ref(false)

  function kept(): Partial<F> {
    const out: Partial<F> = {}
    for (const [k, v] of Object.entries(form)) {
      if (!secret.has(k)) (out as Record<string, unknown>)[k] = v
    }
    return out
  }

  const secretTyped = computed(() => [...secret].some((k) => !!(form as Record<PropertyKey, unknown>)[k]))
  const dirty = computed(() => secretTyped.value || JSON.stringify(kept()) !== baseline.value)

  // A form equal to what it was opened with is no draft (its stored copy is removed).
  const draft = useDraft<Partial<F>>(key, kept, { isBlank: (v) => JSON.stringify(v) === baseline.value })

  function open(initial: F, id: string | number): void {
    draft.pause()
    key.value = draftKey(auth.me?.id, 'admin', name, id)
    Object.assign(form, blank(), initial)
    baseline.value = JSON.stringify(kept())
    const saved = draft.load()
    restored.value = saved !== null
    if (saved) Object.assign(form, saved)
    draft.resume()
  }

  /** After a save or an explicit discard: the draft is gone, and the form stops saving one. */
  function forget(): void {
    draft.clear()
    key.value = null
    restored.value = false
  }

  return { form, dirty, restored, open, forget }
}
