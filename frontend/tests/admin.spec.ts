import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'
import { adminGuard } from '@/router/adminGuard'
import { createAppI18n } from '@/i18n'
import { ApiError } from '@/api/problem'
import { useAuthStore } from '@/stores/auth'
import { adminError } from '@/views/admin/adminError'
import { adminAllowed, sortDays, userPatch, yearRange, type Unit, type User } from '@/views/admin/adminLogic'
import { ME, json, stubFetch } from './helpers'

describe('admin route guard', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useAuthStore().setAccessToken('A1')
  })
  afterEach(() => vi.unstubAllGlobals())

  async function visit(me: unknown, path: string) {
    stubFetch(() => json(me))
    const router = createAppRouter(createMemoryHistory())
    await router.push(path)
    return router.currentRoute.value
  }

  it('shows the not-found page at the same URL to a non-admin', async () => {
    const route = await visit(ME, '/admin/users?x=1')
    expect(route.name).toBe('not-found')
    expect(route.fullPath).toBe('/admin/users?x=1')
  }, 30_000) // the not-found page is inside the app frame now: the first visit loads the layout

  it('also hides the admin area from committee members who are not admins', async () => {
    const route = await visit({ ...ME, unit: { ...ME.unit, kind: 'committee' } }, '/admin/calendar')
    expect(route.name).toBe('not-found')
   }, 30_000)

  it('lets an admin in and redirects /admin to the units page', async () => {
    const admin = { ...ME, is_admin: true, unit: { ...ME.unit, kind: 'committee' } }
    expect((await visit(admin, '/admin/categories')).name).toBe('admin-categories')
    expect((await visit(admin, '/admin')).name).toBe('admin-units')
  }, 30_000)

  it('resolves /tickets/new before /tickets/:id', async () => {
    expect((await visit(ME, '/tickets/new')).name).toBe('ticket-new')
    expect((await visit(ME, '/tickets/12')).name).toBe('ticket')
  })

  it('passes routes without meta.admin', () => {
    const router = createAppRouter(createMemoryHistory())
    expect(adminGuard(router.resolve('/tickets'), false)).toBe(true)
    expect(adminGuard(router.resolve('/admin/units'), true)).toBe(true)
    expect(adminGuard(router.resolve('/admin/units'), false)).toMatchObject({ name: 'not-found' })
    expect(adminGuard(router.resolve('/supervision'), false, 'department')).toBe(true)
    expect(adminGuard(router.resolve('/supervision'), false, 'committee')).toBe(true)
    expect(adminGuard(router.resolve('/supervision'), true, 'college')).toMatchObject({ name: 'not-found' })
  })
})

describe('admin logic', () => {
  const unit = (id: number, kind: Unit['kind']): Unit => ({ id, kind, name: `u${id}`, code: `u${id}`, is_active: true })
  const user: User = {
    id: 3,
    username: 'cs_staff',
    display_name: '张三',
    role: 'staff',
    is_admin: false,
    is_active: true,
    email: null,
    notify_email: 'each',
    unit: unit(5, 'college'),
    created_at: '2026-01-01T00:00:00Z',
  }

  it('patches only what changed', () => {
    expect(userPatch(user, { display_name: '张三', unit_id: 5, role: 'staff', is_admin: false, email: '' })).toEqual({})
    expect(userPatch(user, { display_name: ' 张三丰 ', unit_id: 6, role: 'head', is_admin: false, email: 'a@b.cn' })).toEqual({
      display_name: '张三丰',
      unit_id: 6,
      role: 'head',
      email: 'a@b.cn',
    })
    expect(userPatch({ ...user, email: 'x@y.cn' }, { display_name: '张三', unit_id: 5, role: 'staff', is_admin: false, email: '' })).toEqual({
      email: null,
    })
  })

  it('allows the admin flag only for committee units', () => {
    const units = [unit(1, 'committee'), unit(2, 'department')]
    expect(adminAllowed(units, 1)).toBe(true)
    expect(adminAllowed(units, 2)).toBe(false)
    expect(adminAllowed(units, null)).toBe(false)
  })

  it('builds a year range and sorts calendar days', () => {
    expect(yearRange(2026)).toEqual({ from: '2026-01-01', to: '2026-12-31' })
    const d = (date: string) => ({ date, is_workday: false, updated_at: '' })
    expect(sortDays([d('2026-02-03'), d('2026-01-20')]).map((x) => x.date)).toEqual(['2026-01-20', '2026-02-03'])
  })

  it('maps admin error codes, falling back to the shared catalogue', () => {
    const { t, te } = createAppI18n('zh-CN').global
    const tt = t as never
    const tte = te as (k: string) => boolean
    expect(adminError(new ApiError({ code: 'username_taken', detail: 'x' }, 409), tt, tte)).toBe('用户名已被使用。')
    expect(adminError(new ApiError({ code: 'admin_required', detail: 'x' }, 403), tt, tte)).toBe('仅管理员可执行此操作。')
    expect(adminError(new ApiError({ code: 'weird', detail: '服务器说明' }, 409), tt, tte)).toBe('服务器说明')
    expect(adminError(new TypeError('fetch failed'), tt, tte)).toBe('无法连接服务器，请检查网络。')
  })
})
