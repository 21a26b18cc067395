/**
 * The app frame: at 375 px one header row of at most 56 px (logo, bell with badge, avatar menu);
 * at 1280 the nav built from the routes (工单 lit on a ticket page, 新建意见 for colleges); the
 * not-found page inside the frame for a page the unit may not see; the notifications page with
 * its tabs by kind and per-tab unread counts, its items reachable with the keyboard.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId, type Api } from './api'
import { DESKTOP, launchBrowser, login, openPage, pageScrollWidth, PHONE } from './support'

const STAMP = Date.now()
let browser: Browser
let committee: Api
let college: Api
const ticketIds: number[] = []
let supervisedId = 0

beforeAll(async () => {
  browser = await launchBrowser()
  committee = await apiAs('committee_staff')
  college = await apiAs('lit_staff')
  const cwc = await unitId(committee, '财务处')
  for (const title of [`报销系统无法上传发票 ${STAMP}`, `差旅标准未及时更新 ${STAMP}`]) {
    const tk = await college.post<{ id: number }>('/tickets', { title, content: `${title}，请财务处处理。` })
    await committee.post(`/tickets/${tk.id}/dispatch`, { lead_department_id: cwc })
    ticketIds.push(tk.id)
  }
  supervisedId = ticketIds[0]!
  await committee.post('/supervision-orders', { ticket_id: supervisedId, reason: '多次反映未解决，请限期整改。' })
})

afterAll(async () => {
  await browser?.close()
})

/** The unread count on a tab of the notifications page; 0 when it shows none (never waits). */
async function tabCount(page: Page, group: string): Promise<number> {
  const badge = page.locator(`[data-test=tab-count-${group}]`)
  return (await badge.count()) ? Number((await badge.textContent())?.trim()) : 0
}

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox()
  if (!b) throw new Error(`${selector} is not visible`)
  return b
}

test('at 375 px the header is one row of at most 56 px: logo, bell with badge, avatar menu', async () => {
  const { page, shot, errors } = await openPage(browser, 'shell/phone', PHONE)
  await login(page, 'lit_staff')
  const header = await box(page, '[data-test=app-header]')
  expect(header.height).toBeLessThanOrEqual(56)
  expect(header.width).toBeLessThanOrEqual(PHONE.width)
  // Logo, bell and avatar share that one row.
  for (const part of ['.app-header__brand', '[data-test=bell]', '[data-test=user]']) {
    const b = await box(page, part)
    expect(b.y, part).toBeGreaterThanOrEqual(header.y)
    expect(b.y + b.height, part).toBeLessThanOrEqual(header.y + header.height)
    expect(b.x + b.width, part).toBeLessThanOrEqual(PHONE.width)
  }
  expect(await page.locator('[data-test=nav]').count()).toBe(0) // the desktop nav is in the menu
  const w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('header')

  await page.locator('[data-test=user]').click()
  const menu = page.locator('[data-test=user-menu]')
  await menu.waitFor()
  for (const item of ['preferences', 'lang-zh-CN', 'lang-en', 'logout', 'menu-nav-ticket-new', 'menu-nav-tickets']) {
    expect(await menu.locator(`[data-test=${item}]`).isVisible(), item).toBe(true)
  }
  await shot('avatar-menu')
  await menu.locator('[data-test=menu-nav-ticket-new]').click()
  await page.waitForURL((url) => url.pathname === '/tickets/new')

  // The language item switches the whole app.
  await page.locator('[data-test=user]').click()
  await page.locator('[data-test=lang-en]').click()
  await expect.poll(() => page.locator('[data-test=bell]').textContent()).toContain('Notifications')
  await page.locator('[data-test=user]').click()
  await page.locator('[data-test=lang-zh-CN]').click()
  await expect.poll(() => page.locator('[data-test=bell]').textContent()).toContain('通知')
  expect(errors).toEqual([])
})

test('at 1280 px the nav lights 工单 on a ticket page and a college has 新建意见', async () => {
  const { page, shot, errors } = await openPage(browser, 'shell/desktop', DESKTOP)
  await login(page, 'lit_staff')
  const nav = page.locator('[data-test=nav]')
  expect(await nav.locator('a').allTextContents()).toEqual(['工作台', '工单', '新建意见'].map((s) => expect.stringContaining(s)))
  await page.goto(`/tickets/${ticketIds[1]}`)
  await page.locator('[data-test=ticket-title]').waitFor()
  const tickets = page.locator('[data-test=nav-tickets]')
  await expect.poll(() => tickets.getAttribute('aria-current')).toBe('page')
  expect(await tickets.getAttribute('class')).toContain('is-active')
  expect(await page.locator('[data-test=nav-workbench]').getAttribute('class')).not.toContain('is-active')
  expect(await page.locator('[data-test=nav-ticket-new]').getAttribute('class')).not.toContain('is-active')
  await shot('ticket-page-nav')
  expect(errors).toEqual([])
})

test('a college user on /supervision gets the not-found page inside the app frame', async () => {
  const { page, shot, errors } = await openPage(browser, 'shell/not-found', DESKTOP)
  await login(page, 'lit_staff')
  await page.goto('/supervision')
  await page.locator('[data-test=not-found]').waitFor()
  expect(new URL(page.url()).pathname).toBe('/supervision')
  // The frame stays: header, nav, bell and avatar menu.
  expect(await page.locator('[data-test=app-header]').isVisible()).toBe(true)
  expect(await page.locator('[data-test=nav-tickets]').isVisible()).toBe(true)
  expect(await page.locator('[data-test=bell]').isVisible()).toBe(true)
  expect(await page.locator('[data-test=nav-supervision]').count()).toBe(0)
  await shot('not-found-in-frame')
  // And the nav leads away from it.
  await page.locator('[data-test=nav-tickets]').click()
  await page.waitForURL((url) => url.pathname === '/tickets')
  expect(await page.locator('[data-test=not-found]').count()).toBe(0)
  expect(errors).toEqual([])
})

test('the notifications page: tabs by kind with unread counts, items opened from the keyboard', async () => {
  const { page, shot, errors } = await openPage(browser, 'shell/notifications', DESKTOP)
  await login(page, 'cwc_head')
  // The worker delivers within its poll interval; the page asks again on each load.
  await expect
    .poll(
      async () => {
        await page.goto('/notifications')
        await page.locator('[data-test=notification-tabs]').waitFor()
        await page.waitForLoadState('networkidle')
        return [await tabCount(page, 'todo'), await tabCount(page, 'supervision')]
      },
      { timeout: 30_000, interval: 1_000 },
    )
    .toEqual([2, 1])
  // The page is as wide as the other list pages, not a narrow column.
  expect((await box(page, '[data-test=list-page]')).width).toBeGreaterThan(1000)
  // 待办 is the first tab: the two dispatches.
  const items = page.locator('[data-test=notification]')
  await expect.poll(() => items.count()).toBe(2)
  expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-group')))).toEqual(['todo', 'todo'])
  await shot('todo')

  await page.locator('[data-test=tab-supervision]').click()
  await page.waitForURL((url) => url.searchParams.get('group') === 'supervision')
  await expect.poll(() => items.evaluateAll((els) => els.map((e) => e.getAttribute('data-group')))).toEqual(['supervision'])
  expect(await items.first().textContent()).toContain('督办通知')
  await shot('supervision')

  // A real button: focused and opened with the keyboard, it marks the notice read.
  expect(await items.first().evaluate((e) => e.tagName)).toBe('BUTTON')
  await items.first().focus()
  const read = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/read'))
  await page.keyboard.press('Enter')
  expect((await read).status()).toBe(200)
  await page.waitForURL((url) => url.pathname === `/tickets/${supervisedId}`)
  await page.goBack()
  await page.waitForURL((url) => url.searchParams.get('group') === 'supervision')
  await expect.poll(() => page.locator('[data-test=tab-count-supervision]').count()).toBe(0)
  expect(errors).toEqual([])
})
