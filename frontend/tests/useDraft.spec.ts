import { describe, expect, it } from 'vitest'
import { nextTick, reactive, ref } from 'vue'
import { draftKey, readDraft, useDraft } from '@/composables/useDraft'

interface Form {
  content: string
  days: number
}
const blank = (f: Form) => !f.content.trim()

describe('useDraft', () => {
  it('keys drafts by user, ticket and action', () => {
    expect(draftKey(7, 42, 'reply')).toBe('huiyin.draft.7.42.reply')
    expect(draftKey(8, 42, 'reply')).not.toBe(draftKey(7, 42, 'reply'))
    expect(draftKey(7, 43, 'reply')).not.toBe(draftKey(7, 42, 'reply'))
  })

  it('saves every change, and removes the draft when the form becomes blank', async () => {
    const form = reactive<Form>({ content: '', days: 1 })
    const key = draftKey(1, 9, 'reply')
    const draft = useDraft(key, () => ({ ...form }), { isBlank: blank })
    form.content = '已协调'
    await nextTick()
    expect(readDraft<Form>(key)).toEqual({ content: '已协调', days: 1 })
    expect(draft.saved.value).toBe(true)
    form.days = 3
    expect(readDraft<Form>(key)).toEqual({ content: '已协调', days: 3 })
    form.content = '  '
    expect(readDraft(key)).toBeNull()
    expect(localStorage.getItem(key)).toBeNull()
    expect(draft.saved.value).toBe(false)
  })

  it('loads the stored draft and clears it', () => {
    const key = draftKey(1, 9, 'return')
    const form = reactive<Form>({ content: '', days: 1 })
    const first = useDraft(key, () => ({ ...form }), { isBlank: blank })
    form.content = '不属于本部门'
    // A second form (e.g. after a reload) with the same key sees the draft.
    const again = useDraft(key, () => ({ content: '', days: 1 }), { isBlank: blank })
    expect(again.saved.value).toBe(true)
    expect(again.load()).toEqual({ content: '不属于本部门', days: 1 })
    first.clear()
    expect(again.load()).toBeNull()
    expect(localStorage.getItem(key)).toBeNull()
  })

  it('does not save while paused, so a reset does not wipe the draft being restored', () => {
    const key = draftKey(1, 9, 'note')
    localStorage.setItem(key, JSON.stringify({ value: { content: '上次写的', days: 1 }, savedAt: 1 }))
    const form = reactive<Form>({ content: 'x', days: 1 })
    const draft = useDraft(key, () => ({ ...form }), { isBlank: blank })
    draft.pause()
    form.content = '' // the dialog resets its form before restoring
    draft.resume()
    expect(draft.load()).toEqual({ content: '上次写的', days: 1 })
  })

  it('follows its key: a change of ticket neither copies nor deletes the other draft', async () => {
    const id = ref(1)
    const form = reactive<Form>({ content: '', days: 1 })
    const draft = useDraft(() => draftKey(1, id.value, 'reply'), () => ({ ...form }), { isBlank: blank })
    form.content = '第一件'
    id.value = 2
    await nextTick()
    expect(draft.saved.value).toBe(false)
    expect(draft.load()).toBeNull()
    expect(readDraft<Form>(draftKey(1, 1, 'reply'))?.content).toBe('第一件')
    form.content = '第二件'
    expect(readDraft<Form>(draftKey(1, 2, 'reply'))?.content).toBe('第二件')
    expect(readDraft<Form>(draftKey(1, 1, 'reply'))?.content).toBe('第一件')
  })

  it('keeps nothing under a null key and survives a corrupt entry', () => {
    const form = reactive<Form>({ content: '', days: 1 })
    const draft = useDraft<Form>(null, () => ({ ...form }))
    form.content = 'x'
    expect(localStorage.length).toBe(0)
    expect(draft.load()).toBeNull()
    localStorage.setItem('huiyin.draft.1.1.reply', '{not json')
    expect(readDraft('huiyin.draft.1.1.reply')).toBeNull()
  })
})
