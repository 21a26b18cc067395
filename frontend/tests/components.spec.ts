import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createAppI18n, type AppLocale } from '@/i18n'
import StatusTag from '@/components/StatusTag.vue'
import DeadlineBadge from '@/components/DeadlineBadge.vue'
import { STATUSES, type Status } from '@/api/types'

function mountWith<T>(component: T, props: Record<string, unknown>, locale: AppLocale = 'zh-CN') {
  return mount(component as never, { props: props as never, global: { plugins: [createAppI18n(locale)] } })
}

describe('StatusTag', () => {
  const zh: Record<Status, string> = {
    submitted: '待受理',
    dispatched: '待签收',
    accepted: '办理中',
    replied: '已答复',
    revisited: '已回访',
    closed: '已办结',
    rejected: '不予受理',
    withdrawn: '已撤回',
    merged: '已合并',
  }
  const en: Record<Status, string> = {
    submitted: 'Submitted',
    dispatched: 'Dispatched',
    accepted: 'In progress',
    replied: 'Replied',
    revisited: 'Revisited',
    closed: 'Closed',
    rejected: 'Rejected',
    withdrawn: 'Withdrawn',
    merged: 'Merged',
  }

  it.each(STATUSES.map((s) => [s]))('labels %s in Chinese and English', (status) => {
    expect(mountWith(StatusTag, { status }, 'zh-CN').text()).toBe(zh[status])
    expect(mountWith(StatusTag, { status }, 'en').text()).toBe(en[status])
  })

  it('colours rejected as danger and closed as info', () => {
    expect(mountWith(StatusTag, { status: 'rejected' }).classes()).toContain('el-tag--danger')
    expect(mountWith(StatusTag, { status: 'closed' }).classes()).toContain('el-tag--info')
  })
})

describe('DeadlineBadge', () => {
  const now = Date.parse('2025-03-10T08:00:00Z')
  const hours = (h: number) => new Date(now + h * 3600_000).toISOString()

  it('is red (overdue) once the deadline has passed', () => {
    const w = mountWith(DeadlineBadge, { due: hours(-1), now })
    expect(w.attributes('data-state')).toBe('overdue')
    expect(w.classes()).toContain('deadline-badge--overdue')
    expect(w.text()).toContain('已逾期')
  })

  it('is amber within 24 hours', () => {
    const w = mountWith(DeadlineBadge, { due: hours(23), now }, 'en')
    expect(w.attributes('data-state')).toBe('soon')
    expect(w.classes()).toContain('deadline-badge--soon')
    expect(w.text()).toContain('Due within 24 h')
  })

  it('is plain beyond 24 hours', () => {
    const w = mountWith(DeadlineBadge, { due: hours(25), now })
    expect(w.attributes('data-state')).toBe('plain')
    expect(w.classes()).not.toContain('deadline-badge--soon')
    expect(w.classes()).not.toContain('deadline-badge--overdue')
    expect(w.text()).not.toContain('已逾期')
  })

  it('accepts a Date for now and shows the label', () => {
    const w = mountWith(DeadlineBadge, { due: hours(2), now: new Date(now), label: '答复期限' })
    expect(w.attributes('data-state')).toBe('soon')
    expect(w.text()).toContain('答复期限')
  })

  it('renders nothing without a deadline', () => {
    const w = mountWith(DeadlineBadge, { due: null, now })
    expect(w.find('.deadline-badge').exists()).toBe(false)
  })
})
