import { describe, expect, it } from 'vitest'
import { createAppI18n } from '@/i18n'
import { ApiError, errorMessage, problemMessage, unwrap } from '@/api/problem'

describe('problemMessage', () => {
  const zh = createAppI18n('zh-CN').global
  const en = createAppI18n('en').global

  it('maps a known code to errors.<code> in the current language', () => {
    const p = { type: 'x', title: 'Unauthorized', status: 401, detail: 'The username or password is incorrect.', code: 'invalid_credentials' }
    expect(problemMessage(p, zh.t, zh.te)).toBe('用户名或密码错误。')
    expect(problemMessage(p, en.t, en.te)).toBe('Wrong username or password.')
  })

  it('works with t alone (no te)', () => {
    const p = { status: 409, detail: 'Changed meanwhile', code: 'stale_version' }
    expect(problemMessage(p, zh.t)).toBe('工单已被他人更新，请刷新后重试。')
  })

  it('falls back to detail for an unknown code', () => {
    const p = { status: 409, detail: 'Primary ticket is closed.', code: 'some_new_code' }
    expect(problemMessage(p, zh.t, zh.te)).toBe('Primary ticket is closed.')
    expect(problemMessage(p, zh.t)).toBe('Primary ticket is closed.')
  })

  it('interpolates problem fields such as retry_after', () => {
    const p = { status: 429, detail: 'Too many', code: 'login_throttled', retry_after: 42 }
    expect(problemMessage(p, zh.t, zh.te)).toBe('登录失败次数过多，请 42 秒后再试。')
    expect(problemMessage(p, en.t, en.te)).toContain('42 s')
  })

  it('uses a generic message when there is neither a known code nor a detail', () => {
    expect(problemMessage({}, en.t, en.te)).toBe('Something went wrong. Please try again.')
    expect(problemMessage(null, zh.t, zh.te)).toBe('操作失败，请稍后重试。')
  })

  it('has a message for every required code in both languages', () => {
    const codes = [
      'invalid_credentials', 'login_throttled', 'account_disabled', 'not_authenticated', 'not_found',
      'action_forbidden', 'invalid_state', 'stale_version', 'validation_error', 'rate_limited',
      'file_too_large', 'bad_file_type', 'busy', 'internal_error',
    ]
    for (const code of codes) {
      expect(zh.te(`errors.${code}`, 'zh-CN'), code).toBe(true)
      expect(en.te(`errors.${code}`, 'en'), code).toBe(true)
    }
  })
})

describe('unwrap', () => {
  it('throws an ApiError carrying the problem and Retry-After', () => {
    const response = new Response('', { status: 503, headers: { 'Retry-After': '3' } })
    let caught: unknown
    try {
      unwrap({ error: { code: 'busy', detail: 'busy', status: 503 }, response })
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(ApiError)
    expect((caught as ApiError).problem.code).toBe('busy')
    expect((caught as ApiError).retryAfter).toBe(3)
  })

  it('returns data on success', () => {
    expect(unwrap({ data: { a: 1 }, response: new Response('{}') })).toEqual({ a: 1 })
  })
})

describe('errorMessage', () => {
  const zh = createAppI18n('zh-CN').global
  it('speaks the problem of a failed call and says "network" for anything else', () => {
    const e = new ApiError({ title: 'x', status: 401, detail: 'no', code: 'invalid_credentials' }, 401)
    expect(errorMessage(e, zh.t, zh.te)).toBe('用户名或密码错误。')
    expect(errorMessage(new TypeError('Failed to fetch'), zh.t, zh.te)).toBe(zh.t('errors.network'))
    expect(zh.t('errors.network')).not.toBe('errors.network')
  })
})
