import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createApiClient } from '@/api/client'
import { createAppI18n } from '@/i18n'
import NotificationBell from '@/components/NotificationBell.vue'
import NotificationList from '@/components/NotificationList.vue'
import PreferencesDialog from '@/components/PreferencesDialog.vue'
import {
  applyRead,
  fetchNotifications,
  routeOf,
  savePreferences,
  type NotificationOut,
} from '@/utils/notifications'
import { json, stubFetch, type Call } from './helpers'

const hooks = {
  getAccessToken: () => 'A',
  setAccessToken: () => undefined,
  onAuthFailure: () => undefined,
}

function notice(id: number, over: Partial<NotificationOut> = {}): NotificationOut {
  return {
    id,
    kind: 'ticket.dispatch',
    group: 'todo',
    title: `新工单待签收：HY-2026-00000${id} 空调不制冷`,
    body: '机关党委已将该工单派给贵单位，请及时签收或退单。',
    link: `/tickets/${id}`,
    ticket_id: id,
    created_at: '2026-03-10T10:00:00+08:00',
    read_at: null,
    ...over,
  }
}

function router() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/tickets/:id', name: 'ticket', component: { template: '<div />' } },
    ],
  })
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('notification helpers', () => {
  it('asks for a page with the unread filter and cursor only when given', async () => {
    const { calls } = stubFetch(() => json({ items: [], next_cursor: null }))
    const client = createApiClient({ hooks })
    await fetchNotifications(client)
    await fetchNotifications(client, { unread: true, cursor: 'MTI=' })
    const q = (c: Call) => Object.fromEntries(new URL(c.url).searchParams)
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/notifications', '/api/v1/notifications'])
    expect(q(calls[0]!)).toEqual({ limit: '20' })
    expect(q(calls[1]!)).toEqual({ limit: '20', unread: 'true', cursor: 'MTI=' })
  })

  it('saves preferences with an empty address as null', async () => {
    const { calls } = stubFetch(() => json({ email: null, notify_email: 'digest' }))
    await savePreferences(createApiClient({ hooks }), { email: '  ', notify_email: 'digest' })
    expect(calls[0]!.method).toBe('PATCH')
    expect(calls[0]!.path).toBe('/api/v1/me/preferences')
    expect(JSON.parse(calls[0]!.body)).toEqual({ email: null, notify_email: 'digest' })
  })

  it('follows only links inside the app', () => {
    expect(routeOf({ link: '/tickets/3' })).toBe('/tickets/3')
    expect(routeOf({ link: 'https://evil.example/x' })).toBeNull()
    expect(routeOf({ link: '//evil.example/x' })).toBeNull()
    expect(routeOf({ link: null })).toBeNull()
  })

  it('marks a loaded item read once', () => {
    const items = [notice(1), notice(2, { read_at: '2026-03-10T11:00:00+08:00' })]
    expect(applyRead(items, 1, 'now')).toBe(1)
    expect(applyRead(items, 1, 'later')).toBe(0)
    expect(applyRead(items, 2, 'now')).toBe(0)
    expect(items[0]!.read_at).toBe('now')
  })
})

describe('NotificationBell', () => {
  it('shows the unread count in the header', async () => {
    const { calls } = stubFetch(() => json({ count: 3 }))
    const w = mount(NotificationBell, { global: { plugins: [router(), createAppI18n('zh-CN')] } })
    await flushPromises()
    expect(calls[0]!.path).toBe('/api/v1/notifications/unread-count')
    expect(w.find('[data-test="unread-badge"]').text()).toContain('3')
    expect(w.find('[data-test="bell"]').text()).toBe('通知')
    w.unmount()
  })
})

describe('NotificationList', () => {
  it('lists, opens (marking read) and marks all read', async () => {
    const { calls } = stubFetch((c) => {
      if (c.path === '/api/v1/notifications') return json({ items: [notice(5), notice(4)], next_cursor: null })
      if (c.path === '/api/v1/notifications/5/read') return json(notice(5, { read_at: '2026-03-10T12:00:00+08:00' }))
      if (c.path === '/api/v1/notifications/read-all') return json({ updated: 1 })
      return json({}, 404)
    })
    const r = router()
    await r.push('/')
    const w = mount(NotificationList, { global: { plugins: [r, createAppI18n('zh-CN')] } })
    await flushPromises()
    const items = w.findAll('[data-test="notification"]')
    expect(items).toHaveLength(2)
    expect(items[0]!.classes()).toContain('is-unread')
    expect(items[0]!.text()).toContain('新工单待签收：HY-2026-000005')

    await items[0]!.trigger('click')
    await flushPromises()
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/notifications/5/read')).toBe(true)
    expect(r.currentRoute.value.fullPath).toBe('/tickets/5')
    expect(w.emitted('read')![0]).toEqual([1])
    expect(w.findAll('[data-test="notification"]')[0]!.classes()).not.toContain('is-unread')

    await w.find('[data-test="read-all"]').trigger('click')
    await flushPromises()
    expect(w.emitted('read')![1]).toEqual([1])
    expect(w.findAll('.is-unread')).toHaveLength(0)
  })

  it('says so when there is nothing', async () => {
    stubFetch(() => json({ items: [], next_cursor: null }))
    const w = mount(NotificationList, { global: { plugins: [router(), createAppI18n('en')] } })
    await flushPromises()
    expect(w.find('[data-test="empty"]').text()).toBe('No notifications')
  })
})

describe('PreferencesDialog', () => {
  it('loads the preference when opened and saves the choice', async () => {
    const { calls } = stubFetch((c) => {
      if (c.method === 'GET') return json({ email: 'wang@example.edu.cn', notify_email: 'each' })
      return json(JSON.parse(c.body))
    })
    const w = mount(PreferencesDialog, {
      props: { modelValue: false },
      global: { plugins: [createAppI18n('zh-CN')] },
      attachTo: document.body,
    })
    await w.setProps({ modelValue: true })
    await flushPromises()
    // Element Plus puts some attributes on the <input>, some on its wrapper.
    const input = (test: string) => {
      const el = document.body.querySelector(`[data-test="${test}"]`)!
      return (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement
    }
    expect(input('prefs-email').value).toBe('wang@example.edu.cn')
    input('prefs-digest').click()
    await flushPromises()
    document.body.querySelector<HTMLButtonElement>('[data-test="prefs-save"]')!.click()
    await flushPromises()
    const patch = calls.find((c) => c.method === 'PATCH')!
    expect(JSON.parse(patch.body)).toEqual({ email: 'wang@example.edu.cn', notify_email: 'digest' })
    expect(w.emitted('update:modelValue')!.at(-1)).toEqual([false])
    w.unmount()
    document.body.innerHTML = ''
  })

  it('loads the preference when mounted already open (the layout mounts it on demand)', async () => {
    const { calls } = stubFetch(() => json({ email: 'li@example.edu.cn', notify_email: 'digest' }))
    const w = mount(PreferencesDialog, {
      props: { modelValue: true },
      global: { plugins: [createAppI18n('zh-CN')] },
      attachTo: document.body,
    })
    await flushPromises()
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(1)
    const el = document.body.querySelector('[data-test="prefs-email"]')!
    const input = (el.tagName === 'INPUT' ? el : el.querySelector('input')) as HTMLInputElement
    expect(input.value).toBe('li@example.edu.cn')
    w.unmount()
    document.body.innerHTML = ''
  })
})
