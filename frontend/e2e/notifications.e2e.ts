/**
 * What the worker delivers shows up in the browser: the embedded worker of `huiyin serve` fans a
 * dispatch out to the department's inbox, and a supervision order is acknowledged in the SPA.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId, type Api } from './api'
import { launchBrowser, login, openPage, textbox } from './support'

const TITLE = `夜间校门刷卡机故障 ${Date.now()}`
let browser: Browser
let committee: Api
let ticketId = 0

beforeAll(async () => {
  browser = await launchBrowser()
  committee = await apiAs('committee_staff')
  const college = await apiAs('art_staff')
  const tk = await college.post<{ id: number }>('/tickets', { title: TITLE, content: '东门刷卡机晚上十点后经常失灵。' })
  ticketId = tk.id
  await committee.post(`/tickets/${ticketId}/dispatch`, { lead_department_id: await unitId(committee, '保卫处') })
})

afterAll(async () => {
  await browser?.close()
})

/** The number on the bell; 0 when the badge is hidden or not rendered (never waits). */
async function unreadBadge(page: Page): Promise<number> {
  const sup = page.locator('[data-test=unread-badge] sup')
  if ((await sup.count()) === 0 || (await sup.isHidden())) return 0
  return Number.parseInt((await sup.textContent()) ?? '', 10) || 0
}

test('the department sees the dispatch in its inbox and opens the ticket from it', async () => {
  const { page, shot, errors } = await openPage(browser, 'notifications/department')
  await login(page, 'bwc_staff')
  // The worker delivers within its poll interval; the header asks again on each page load.
  await expect
    .poll(
      async () => {
        await page.reload()
        await page.locator('[data-test=user]').waitFor()
        return unreadBadge(page)
      },
      { timeout: 20_000, interval: 1_000 },
    )
    .toBeGreaterThan(0)
  const before = await unreadBadge(page)
  await page.locator('[data-test=bell]').click()
  const notice = page.locator('[data-test=notification]', { hasText: TITLE })
  await expect.poll(() => notice.count()).toBeGreaterThan(0)
  await shot('inbox')
  await notice.first().click()
  await page.waitForURL(new RegExp(`/tickets/${ticketId}$`))
  await expect.poll(() => unreadBadge(page)).toBe(before - 1)
  await shot('opened')

  // A department handler chooses one mail a day instead of one per notice.
  await page.locator('[data-test=user]').click() // the avatar menu
  await page.locator('[data-test=preferences]').click()
  const email = textbox(page, 'prefs-email')
  await email.waitFor()
  await email.fill('guo@example.edu.cn')
  await page.locator('[data-test=prefs-mode] .el-radio', { hasText: '每日汇总' }).click()
  await shot('preferences')
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/me/preferences'))
  await page.locator('[data-test=prefs-save]').click()
  expect((await saved).status()).toBe(200)
  const prefs = await (await apiAs('bwc_staff')).get<{ email: string; notify_email: string }>('/me/preferences')
  expect(prefs).toEqual({ email: 'guo@example.edu.cn', notify_email: 'digest' })
  expect(errors).toEqual([])
})

test('the committee raises a supervision order and the department head acknowledges it', async () => {
  const boss = await openPage(browser, 'notifications/committee')
  await login(boss.page, 'committee_staff')
  await boss.page.goto(`/tickets/${ticketId}`)
  await boss.page.locator('[data-test=raise-supervision]').click()
  await textbox(boss.page, 'supervision-reason').fill('学生反映强烈，请限期整改。')
  const raised = boss.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/supervision-orders'))
  await boss.page.locator('[data-test=supervision-submit]').click()
  const res = await raised
  expect(res.status()).toBe(201)
  const order = (await res.json()) as { id: number }
  await expect.poll(() => boss.page.locator('[data-test=supervision-order]').count()).toBe(1)
  // One open order at a time: the button is gone.
  expect(await boss.page.locator('[data-test=raise-supervision]').count()).toBe(0)
  await boss.page.waitForTimeout(500) // let the dialog's fade end: the screenshot is for people
  await boss.shot('raised')
  expect(boss.errors).toEqual([])

  const { page, shot, errors } = await openPage(browser, 'notifications/supervision')
  await login(page, 'bwc_head')
  await page.goto('/supervision')
  const ack = page.locator('[data-test=order-acknowledge]').first()
  await ack.waitFor()
  await shot('orders')
  await ack.click()
  await textbox(page, 'order-text').fill('已更换东门刷卡机并安排夜间巡检，每周检查一次。')
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/acknowledge'))
  await page.locator('[data-test=order-submit]').click()
  expect((await answered).status()).toBe(200)
  const after = await committee.get<{ status: string; plan: string }>(`/supervision-orders/${order.id}`)
  expect(after.status).toBe('acknowledged')
  expect(after.plan).toContain('夜间巡检')
  await shot('acknowledged')
  expect(errors).toEqual([])
})
