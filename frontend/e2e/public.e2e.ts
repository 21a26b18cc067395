/** Without an account: submit an opinion, keep the tracking code, look the ticket up and score it. */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId } from './api'
import { launchBrowser, openPage, PHONE, textbox } from './support'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

test('public submit, look up by code, and score once answered (on a phone)', async () => {
  const { page, shot, errors } = await openPage(browser, 'public', PHONE)
  const title = `食堂晚餐供应时间太短 ${Date.now()}`
  await page.goto('/public/submit')
  await textbox(page, 'public-title').fill(title)
  await textbox(page, 'public-content').fill('晚课结束后食堂已经关门，希望延长到晚上八点。')
  await shot('submit-form')
  await page.locator('form button[type=submit]').click()
  const codeEl = page.locator('[data-test=tracking-code]')
  await expect.poll(() => codeEl.isVisible()).toBe(true)
  const code = (await codeEl.textContent())?.trim() ?? ''
  expect(code).toMatch(/^[A-Za-z0-9-]{8,40}$/)
  await shot('tracking-code')

  await page.goto('/public/lookup')
  await textbox(page, 'lookup-code').fill(code)
  await page.locator('form button[type=submit]').click()
  const result = page.locator('[data-test=lookup-result]')
  await expect.poll(() => result.textContent()).toContain(title)
  await expect.poll(() => result.locator('.status-tag').getAttribute('data-status')).toBe('submitted')
  expect(await page.locator('[data-test=public-score-form]').count()).toBe(0)
  await shot('lookup-submitted')

  // The committee and the department answer it (set-up through the API; the browser flow of
  // these steps is the lifecycle test).
  const committee = await apiAs('committee_staff')
  const department = await apiAs('hqc_head')
  const page1 = await committee.get<{ items: { id: number; title: string }[] }>(`/tickets?q=${encodeURIComponent(title)}`)
  const id = page1.items.find((x) => x.title === title)?.id
  expect(id).toBeTypeOf('number')
  await committee.post(`/tickets/${id}/dispatch`, { lead_department_id: await unitId(committee, '后勤保障处') })
  await department.post(`/tickets/${id}/accept`)
  await department.post(`/tickets/${id}/reply`, { content: '自下周一起，第一食堂晚餐供应延长至 20:00。' })
  await committee.post(`/tickets/${id}/revisit`, { method: 'online', outcome: 'resolved' })

  await page.goto(`/public/lookup?code=${encodeURIComponent(code)}`)
  await expect.poll(() => result.textContent()).toContain('延长至 20:00')
  const form = page.locator('[data-test=public-score-form]')
  await expect.poll(() => form.isVisible()).toBe(true)
  // Stars big enough to tap on a phone.
  for (const star of await form.locator('[data-test=public-rate-efficiency] .el-rate__item').all()) {
    const box = await star.boundingBox()
    expect(box!.width).toBeGreaterThanOrEqual(32)
    expect(box!.height).toBeGreaterThanOrEqual(32)
  }
  await form.locator('[data-test=public-rate-efficiency] .el-rate__item').nth(3).click()
  await form.locator('[data-test=public-rate-handling] .el-rate__item').nth(3).click()
  await form.locator('[data-test=public-rate-effect] .el-rate__item').nth(4).click()
  await textbox(form, 'public-score-comment').fill('已经延长了，谢谢。')
  await shot('score-form')
  await form.locator('[data-test=public-score-submit]').click()
  await expect.poll(() => result.locator('[data-test=public-score-effect]').getAttribute('data-value')).toBe('5')
  expect(await result.locator('[data-test=public-score-efficiency]').getAttribute('data-value')).toBe('4')
  await expect.poll(() => result.locator('.status-tag').getAttribute('data-status')).toBe('closed')
  expect(await page.locator('[data-test=public-score-form]').count()).toBe(0)
  await shot('scored')
  expect(errors).toEqual([])
})
