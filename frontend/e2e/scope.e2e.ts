/** A user who may not see a ticket gets the not-found page, exactly as for a ticket that does not exist. */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs } from './api'
import { DEMO_PASSWORD, launchBrowser, login, openPage } from './support'

let browser: Browser
let ticketId = 0

beforeAll(async () => {
  browser = await launchBrowser()
  const college = await apiAs('cs_staff')
  const created = await college.post<{ id: number }>('/tickets', {
    title: '学院楼电梯维修进度',
    content: '三号楼电梯停用两周，何时修好？',
  })
  ticketId = created.id
})

afterAll(async () => {
  await browser?.close()
})

test.each([
  ['another college', 'fl_staff'],
  ['a department it was not sent to', 'hqc_staff'],
])('%s sees the not-found page', async (_who, username) => {
  const { page, shot, errors } = await openPage(browser, `scope/${username}`)
  await login(page, username)
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/tickets/${ticketId}`)
  await page.goto(`/tickets/${ticketId}`)
  expect((await answer).status()).toBe(404)
  await expect.poll(() => page.locator('[data-test=not-found]').isVisible()).toBe(true)
  expect(await page.locator('[data-test=ticket-title]').count()).toBe(0)
  expect(await page.content()).not.toContain('学院楼电梯维修进度')
  await shot('not-found')
  expect(errors).toEqual([])
})

test('the submitting college can open it', async () => {
  const { page, errors } = await openPage(browser, 'scope/cs_staff')
  await login(page, 'cs_staff')
  await page.goto(`/tickets/${ticketId}`)
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe('学院楼电梯维修进度')
  expect(errors).toEqual([])
})

test('a non-admin is kept out of the administration pages', async () => {
  const { page, errors } = await openPage(browser, 'scope/admin-pages')
  await login(page, 'jwc_head')
  expect(await page.locator('[data-test=nav-admin]').count()).toBe(0)
  await page.goto('/admin/users')
  await expect.poll(() => page.locator('[data-test=not-found]').isVisible()).toBe(true)
  expect(errors).toEqual([])
})

test('a college user is kept out of the supervision orders', async () => {
  const { page, errors } = await openPage(browser, 'scope/supervision')
  await login(page, 'fl_head')
  expect(await page.locator('[data-test=nav-supervision]').count()).toBe(0)
  await page.goto('/supervision')
  await expect.poll(() => page.locator('[data-test=not-found]').isVisible()).toBe(true)
  expect(errors).toEqual([])
})

test('a deep link without a session goes to login and comes back after it', async () => {
  const { page, errors } = await openPage(browser, 'scope/deep-link')
  await page.goto(`/tickets/${ticketId}`)
  await page.waitForURL(/\/login\?redirect=/)
  await page.locator('#login-username').fill('cs_head')
  await page.locator('#login-password').fill(DEMO_PASSWORD)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL(new RegExp(`/tickets/${ticketId}$`))
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe('学院楼电梯维修进度')
  expect(errors).toEqual([])
})

test('a wrong password says so, in Chinese, and stays on the login page', async () => {
  const { page } = await openPage(browser, 'scope/bad-login')
  await page.goto('/login')
  await page.locator('#login-username').fill('cs_head')
  await page.locator('#login-password').fill('not-the-password')
  await page.locator('[data-test=login-submit]').click()
  await expect.poll(() => page.locator('[data-test=login-error]').textContent()).toMatch(/[\u4e00-\u9fff]/)
  expect(new URL(page.url()).pathname).toBe('/login')
})
