import { ref, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue'

/** Every draft key starts with this, so drafts can be told apart from other stored settings. */
export const DRAFT_PREFIX = 'huiyin.draft.'

/**
 * The storage key of one form's draft. The user is part of it: on a shared computer one
 * person's unsent internal note must not reappear in another person's dialog.
 */
export function draftKey(userId: number | string | null | undefined, ...parts: Array<string | number>): string {
  return `${DRAFT_PREFIX}${userId ?? 'anon'}.${parts.join('.')}`
}

interface Stored<T> {
  value: T
  savedAt: number
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null // storage disabled (privacy mode): drafts simply are not kept
  }
}

/** The draft stored under `key`, or null (none, unreadable, or not JSON). */
export function readDraft<T>(key: string): T | null {
  const raw = storage()?.getItem(key)
  if (!raw) return null
  try {
    const parsed = JSON.parse(raw) as Partial<Stored<T>> | null
    return parsed && 'value' in parsed ? (parsed.value as T) : null
  } catch {
    return null
  }
}

export function writeDraft<T>(key: string, value: T): void {
  try {
    storage()?.setItem(key, JSON.stringify({ value, savedAt: Date.now() } satisfies Stored<T>))
  } catch {
    /* quota exceeded: the form still works, the draft is just not kept */
  }
}

export function removeDraft(key: string): void {
  try {
    storage()?.removeItem(key)
  } catch {
    /* ignore */
  }
}

export interface DraftOptions<T> {
  /** A blank value is not worth keeping: its draft is removed instead of saved. */
  isBlank?: (value: T) => boolean
}

export interface Draft<T> {
  /** The draft saved under the current key (null when there is none). */
  load(): T | null
  /** Forget the draft: after a successful submit or an explicit discard. */
  clear(): void
  /** Whether a draft is stored under the current key right now. */
  saved: Readonly<Ref<boolean>>
  /** Stop saving until `resume()`: wrap a form reset or a restore from `load()` in them, or the
   * blank intermediate form would remove the very draft being restored. */
  pause(): void
  resume(): void
}

/**
 * Keep a form's value as a draft in localStorage under `key` (null: keep nothing), saved on every
 * change, so typed text survives a closed dialog, a reload or a crashed tab until the form is sent.
 * The caller decides what to restore: `load()` returns the stored value.
 */
export function useDraft<T>(
  key: MaybeRefOrGetter<string | null>,
  value: () => T,
  options: DraftOptions<T> = {},
): Draft<T> {
  const saved = ref(false)
  let paused = false

  const currentKey = () => toValue(key)
  const refreshSaved = () => {
    const k = currentKey()
    saved.value = k !== null && storage()?.getItem(k) != null
  }

  function save(v: T): void {
    const k = currentKey()
    if (paused || k === null) return
    if (options.isBlank?.(v)) removeDraft(k)
    else writeDraft(k, v)
    refreshSaved()
  }

  // Synchronous, so pause()/resume() around a reset really skip the saves it causes. The key is
  // read inside save(); watching the value alone means switching the key (another ticket or
  // action) never copies the old form into the new key's draft.
  watch(value, save, { deep: true, flush: 'sync' })
  watch(currentKey, refreshSaved, { immediate: true })

  return {
    load() {
      const k = currentKey()
      return k === null ? null : readDraft<T>(k)
    },
    clear() {
      const k = currentKey()
      if (k !== null) removeDraft(k)
      saved.value = false
    },
    saved,
    pause() {
      paused = true
    },
    resume() {
      paused = false
    },
  }
}
