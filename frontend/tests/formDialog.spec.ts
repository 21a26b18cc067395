import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, ref } from 'vue'
import { createAppI18n } from '@/i18n'
import FormDialog from '@/components/FormDialog.vue'

/** A controllable matchMedia: jsdom has none; useIsPhone listens to it once for the app. */
const media = { matches: false, listeners: [] as Array<(e: { matches: boolean }) => void> }
beforeAll(() => {
  window.matchMedia = ((query: string) => ({
    matches: media.matches,
    media: query,
    addEventListener: (_: string, fn: (e: { matches: boolean }) => void) => media.listeners.push(fn),
    removeEventListener: () => undefined,
  })) as unknown as typeof window.matchMedia
})
function setPhone(phone: boolean) {
  media.matches = phone
  media.listeners.forEach((fn) => fn({ matches: phone }))
}

async function settle() {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 20))
  await flushPromises()
}

/** A parent owning v-model, as a page would. */
function mountHost(dirty: boolean) {
  const open = ref(true)
  const discarded = ref(0)
  const Host = defineComponent(() => () =>
    h(
      FormDialog,
      {
        modelValue: open.value,
        'onUpdate:modelValue': (v: boolean) => (open.value = v),
        onDiscard: () => discarded.value++,
        title: '答复',
        dirty,
        'data-action': 'reply',
      },
      {
        default: () => h('textarea', { 'data-test': 'field' }),
        footer: ({ close }: { close: () => Promise<boolean> }) =>
          h('button', { 'data-test': 'cancel', onClick: () => void close() }, 'cancel'),
      },
    ),
  )
  const w = mount(Host, { global: { plugins: [createAppI18n('zh-CN')] }, attachTo: document.body })
  return { w, open, discarded }
}

const q = <T extends Element = HTMLElement>(sel: string) => document.body.querySelector<T>(sel as string) as T | null
const box = () => q('.form-dialog-discard')
function clickHeaderClose() {
  const btn = q<HTMLButtonElement>('.el-dialog__headerbtn, .el-drawer__close-btn')
  if (!btn) throw new Error('no close button')
  btn.click()
}
function boxButton(which: 'confirm' | 'cancel' | 'close'): HTMLElement {
  const sel = which === 'close' ? '.el-message-box__headerbtn' : which === 'confirm' ? '.el-button--danger' : '.el-message-box__btns .el-button:not(.el-button--danger)'
  const el = box()?.querySelector<HTMLElement>(sel)
  if (!el) throw new Error(`no ${which} button`)
  return el
}

afterEach(async () => {
  setPhone(false)
  document.body.innerHTML = ''
})

describe('FormDialog', () => {
  it('closes at once with nothing typed', async () => {
    const { w, open } = mountHost(false)
    await settle()
    expect(q('[data-form-dialog="dialog"]')?.getAttribute('data-action')).toBe('reply')
    clickHeaderClose()
    await settle()
    expect(box()).toBeNull()
    expect(open.value).toBe(false)
    w.unmount()
  })

  it('with typed text asks "放弃已填写的内容？" before closing; closing the question goes back to the form', async () => {
    const { w, open, discarded } = mountHost(true)
    await settle()
    clickHeaderClose()
    await settle()
    expect(box()?.textContent).toContain('放弃已填写的内容？')
    expect(open.value).toBe(true)
    boxButton('close').click()
    await settle()
    expect(open.value).toBe(true)
    expect(discarded.value).toBe(0)
    w.unmount()
  })

  it('放弃 discards and closes; 保留草稿 closes without discarding', async () => {
    const first = mountHost(true)
    await settle()
    q<HTMLButtonElement>('[data-test="cancel"]')!.click() // the footer's cancel asks too
    await settle()
    boxButton('confirm').click()
    await settle()
    expect(first.discarded.value).toBe(1)
    expect(first.open.value).toBe(false)
    first.w.unmount()
    document.body.innerHTML = ''

    const second = mountHost(true)
    await settle()
    clickHeaderClose()
    await settle()
    boxButton('cancel').click()
    await settle()
    expect(second.discarded.value).toBe(0)
    expect(second.open.value).toBe(false)
    second.w.unmount()
  })

  it('is a bottom drawer on a phone, and asks there too', async () => {
    setPhone(true)
    const { w, open } = mountHost(true)
    await settle()
    const drawer = q('[data-form-dialog="drawer"]')
    expect(drawer).not.toBeNull()
    expect(drawer!.classList.contains('btt')).toBe(true)
    expect(q('[data-form-dialog="dialog"]')).toBeNull()
    clickHeaderClose()
    await settle()
    expect(box()?.textContent).toContain('放弃已填写的内容？')
    expect(open.value).toBe(true)
    w.unmount()
  })
})
