import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createAppI18n } from '@/i18n'
import { draftKey, readDraft } from '@/composables/useDraft'
import { useAuthStore } from '@/stores/auth'
import ActionDialog from '@/components/actions/ActionDialog.vue'
import type { TicketOut } from '@/api/types'
import { json, problem, stubFetch } from './helpers'

const messages = vi.hoisted(() => ({ success: vi.fn(), warning: vi.fn(), error: vi.fn(), info: vi.fn() }))
vi.mock('element-plus/es/components/message/index', async (orig) => {
  const mod = await orig<Record<string, unknown>>()
  return { ...mod, ElMessage: messages }
})

const TICKET = {
  id: 9,
  version: 4,
  lead_department: { id: 20, kind: 'department', name: '教务处', code: 'jwc' },
  assisting_departments: [],
  handler: null,
  allowed_actions: ['reject', 'decide_extension'],
} as unknown as TicketOut

const USER_ID = 7

function mountDialog(action: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { id: USER_ID } as ReturnType<typeof useAuthStore>['me']
  return mount(ActionDialog, {
    props: { modelValue: true, ticket: TICKET, action },
    global: { plugins: [pinia, createAppI18n('zh-CN')] },
    attachTo: document.body,
  })
}

function type(selector: string, text: string) {
  const el = document.body.querySelector<HTMLTextAreaElement>(selector)
  if (!el) throw new Error(`no ${selector}`)
  el.value = text
  el.dispatchEvent(new Event('input'))
}

async function settle() {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
}

function submitButton(): HTMLButtonElement {
  const btn = document.body.querySelector<HTMLButtonElement>('[data-test="action-submit"]')
  if (!btn) throw new Error('no submit button')
  return btn
}

afterEach(() => {
  vi.unstubAllGlobals()
  Object.values(messages).forEach((m) => m.mockReset())
  document.body.innerHTML = ''
})

describe('ActionDialog', () => {
  it('rejects with If-Match and closes, asking for a reload', async () => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    const w = mountDialog('reject')
    await settle()
    const textarea = document.body.querySelector<HTMLTextAreaElement>('textarea[data-test="field-reason"]')
    expect(textarea).not.toBeNull()
    textarea!.value = '不属于受理范围'
    textarea!.dispatchEvent(new Event('input'))
    await settle()
    submitButton().click()
    await settle()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.path).toBe('/api/v1/tickets/9/reject')
    expect(calls[0]!.headers.get('If-Match')).toBe('"4"')
    expect(JSON.parse(calls[0]!.body)).toEqual({ reason: '不属于受理范围' })
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual([false])
    expect(w.emitted('done')).toEqual([['reject']])
    w.unmount()
  })

  it('does not send an invalid form', async () => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    const w = mountDialog('reject')
    await settle()
    submitButton().click()
    await settle()
    expect(calls).toHaveLength(0)
    // Element Plus debounces showing a form item's error by 100 ms.
    await new Promise((r) => setTimeout(r, 150))
    expect(document.body.textContent).toContain('此项必填')
    expect(w.emitted('done')).toBeUndefined()
    w.unmount()
  })

  it('on 412 reports the change, closes and asks for a reload', async () => {
    const { calls } = stubFetch((call) => {
      if (call.path.endsWith('/extensions') && call.method === 'GET') {
        return json([
          { id: 5, days: 2, reason: '协调中', status: 'pending', requested_by: null, decided_at: null,
            decision_note: null, new_reply_due_at: null, created_at: '2030-01-01T00:00:00Z' },
        ])
      }
      return problem(412, 'stale_version', 'changed')
    })
    const w = mountDialog('decide_extension')
    await settle()
    expect(document.body.querySelector('[data-test="pending-extension"]')?.textContent).toContain('协调中')
    const radio = document.body.querySelector<HTMLInputElement>('.el-radio input[type="radio"]')
    radio!.click()
    await settle()
    submitButton().click()
    await settle()
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.path).toBe('/api/v1/tickets/9/extensions/5/decision')
    expect(post?.headers.get('If-Match')).toBe('"4"')
    expect(JSON.parse(post!.body)).toEqual({ approved: true, note: null })
    expect(messages.warning).toHaveBeenCalledWith('该工单刚被他人更新，已重新加载最新内容，请核对后再操作。')
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual([false])
    expect(w.emitted('done')).toEqual([['decide_extension']])
    w.unmount()
  })

  it('keeps the dialog open and shows the problem on other errors', async () => {
    stubFetch(() => problem(409, 'invalid_state', 'nope'))
    const w = mountDialog('withdraw')
    await settle()
    expect(document.body.textContent).toContain('确认撤回该工单')
    submitButton().click()
    await settle()
    expect(messages.error).toHaveBeenCalledWith('工单当前状态不允许此操作，请刷新后重试。')
    expect(w.emitted('update:modelValue')).toBeUndefined()
    expect(w.emitted('done')).toBeUndefined()
    w.unmount()
  })

  it('treats a 409 concurrent_update like a stale version: localized warning, closed, reloaded, draft kept', async () => {
    stubFetch(() => problem(409, 'concurrent_update', 'Ticket was changed by a concurrent request'))
    const w = mountDialog('reject')
    await settle()
    type('textarea[data-test="field-reason"]', '不属于受理范围')
    await settle()
    submitButton().click()
    await settle()
    expect(messages.warning).toHaveBeenCalledWith('该工单刚被他人更新，已重新加载最新内容，请核对后再操作。')
    expect(messages.error).not.toHaveBeenCalled()
    expect(document.body.textContent).not.toContain('concurrent request')
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual([false])
    expect(w.emitted('done')).toEqual([['reject']])
    // The typed reason survives for the reloaded ticket.
    expect(readDraft<{ reason: string }>(draftKey(USER_ID, 9, 'reject'))?.reason).toBe('不属于受理范围')
    w.unmount()
  })

  it('keeps typed text as a draft per ticket and action, restores it, and clears it once sent', async () => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    const first = mountDialog('reject')
    await settle()
    type('textarea[data-test="field-reason"]', '重复提交')
    await settle()
    first.unmount()
    document.body.innerHTML = ''

    const again = mountDialog('reject')
    await settle()
    const textarea = document.body.querySelector<HTMLTextAreaElement>('textarea[data-test="field-reason"]')
    expect(textarea?.value).toBe('重复提交')
    expect(document.body.querySelector('[data-test="draft-restored"]')).not.toBeNull()
    submitButton().click()
    await settle()
    expect(JSON.parse(calls.at(-1)!.body)).toEqual({ reason: '重复提交' })
    expect(localStorage.getItem(draftKey(USER_ID, 9, 'reject'))).toBeNull()
    again.unmount()
  })

  it('清空草稿 empties the form and forgets the draft', async () => {
    stubFetch(() => json({ id: 9 }))
    localStorage.setItem(draftKey(USER_ID, 9, 'reject'), JSON.stringify({ value: { reason: '旧草稿' }, savedAt: 1 }))
    const w = mountDialog('reject')
    await settle()
    expect(document.body.querySelector<HTMLTextAreaElement>('textarea[data-test="field-reason"]')?.value).toBe('旧草稿')
    document.body.querySelector<HTMLButtonElement>('[data-test="draft-clear"]')!.click()
    await settle()
    expect(document.body.querySelector<HTMLTextAreaElement>('textarea[data-test="field-reason"]')?.value).toBe('')
    expect(localStorage.getItem(draftKey(USER_ID, 9, 'reject'))).toBeNull()
    w.unmount()
  })
})
