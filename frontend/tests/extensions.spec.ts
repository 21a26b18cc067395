import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createAppI18n } from '@/i18n'
import ExtensionsPanel from '@/components/ExtensionsPanel.vue'
import { useAuthStore } from '@/stores/auth'
import { extensionTagType, type ExtensionOut } from '@/utils/extensions'
import { formatDateTime } from '@/utils/format'
import { ME, json, stubFetch } from './helpers'

const base: ExtensionOut = {
  id: 1,
  days: 2,
  reason: '等待厂家上门',
  status: 'approved',
  requested_by: { id: 9, display_name: '李工', unit: null },
  decided_at: '2026-03-11T10:00:00+08:00',
  decision_note: null,
  new_reply_due_at: '2026-03-19T10:00:00+08:00',
  superseded_at: null,
  superseded_by: null,
  created_at: '2026-03-10T10:00:00+08:00',
}
const superseded: ExtensionOut = {
  ...base,
  id: 2,
  status: 'superseded',
  decided_at: null,
  new_reply_due_at: null,
  superseded_at: '2026-03-12T15:30:00+08:00',
  superseded_by: 'reply',
}

async function mountPanel(kind: 'committee' | 'department' | 'college', list: ExtensionOut[]) {
  const { calls } = stubFetch(() => json(list))
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { ...ME, unit: { ...ME.unit, kind } } as never
  const wrapper = mount(ExtensionsPanel, {
    props: { ticket: { id: 42, version: 3 } as never },
    global: { plugins: [pinia, createAppI18n('zh-CN')] },
  })
  await flushPromises()
  return { wrapper, calls }
}

describe('extension requests', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('greys out an ended request and marks a waiting one', () => {
    expect(extensionTagType('pending')).toBe('warning')
    expect(extensionTagType('approved')).toBe('success')
    expect(extensionTagType('denied')).toBe('danger')
    expect(extensionTagType('superseded')).toBe('info')
  })

  it('says a superseded request ended because the ticket moved on, and when', async () => {
    const { wrapper } = await mountPanel('committee', [base, superseded])
    const statuses = wrapper.findAll('[data-test="extension-status"]').map((w) => w.text())
    expect(statuses).toEqual(['已批准', '已失效'])
    const note = wrapper.get('[data-test="extension-superseded"]').text()
    expect(note).toContain('答复')
    expect(note).toContain(formatDateTime(superseded.superseded_at))
  })

  it('is not asked for by colleges (the requests are internal)', async () => {
    const { wrapper, calls } = await mountPanel('college', [superseded])
    expect(calls).toEqual([])
    expect(wrapper.find('[data-test="extensions-panel"]').exists()).toBe(false)
  })
})
