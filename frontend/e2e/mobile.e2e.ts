/** Department handlers answer on phones: at 375 px nothing scrolls sideways and the work is reachable. */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId } from './api'
import { DESKTOP, launchBrowser, login, openPage, pageScrollWidth, PHONE } from './support'

let browser: Browser
let ticketId = 0

beforeAll(async () => {
  browser = await launchBrowser()
  // Give the department something in each queue.
  const college = await apiAs('me_staff')
  const committee = await apiAs('committee_staff')
  const jwc = await unitId(committee, '教务处')
  const ids: number[] = []
  for (const title of ['期末考试安排与实验课冲突', '教室投影仪老化严重，影响上课效果与课堂互动', '选课系统高峰期卡顿']) {
    const tk = await college.post<{ id: number }>('/tickets', { title, content: `${title}，请教务处协调解决。` })
    await committee.post(`/tickets/${tk.id}/dispatch`, { lead_department_id: jwc })
    ids.push(tk.id)
  }
  const department = await apiAs('jwc_staff')
  await department.post(`/tickets/${ids[0]}/accept`)
  ticketId = ids[0]
})

afterAll(async () => {
  await browser?.close()
})

test('the department workbench, list and ticket at 375 px', async () => {
  const { page, shot, errors } = await openPage(browser, 'mobile', PHONE)
  await login(page, 'jwc_staff')
  const wb = page.locator('[data-test=workbench]')
  await expect.poll(() => wb.getAttribute('data-kind')).toBe('department')
  await expect.poll(() => page.locator('[data-test=tiles]').textContent()).toMatch(/\d/)
  await page.waitForLoadState('networkidle')
  let w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('workbench')

  await page.goto('/tickets')
  await expect.poll(() => page.locator('body').textContent()).toContain('期末考试安排与实验课冲突')
  w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('ticket-list')

  await page.goto(`/tickets/${ticketId}`)
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe('期末考试安排与实验课冲突')
  w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await page.locator('[data-test=actions] [data-action=reply]').click()
  // On a phone the action form is a bottom drawer (FormDialog).
  const form = page.locator('[data-form-dialog=drawer]:visible')
  await expect.poll(() => form.isVisible()).toBe(true)
  const box = await form.boundingBox()
  expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true)
  await shot('reply-dialog')
  expect(errors).toEqual([])
})

test('the committee workbench at 1280 px (the README screenshot)', async () => {
  const { page, shot, errors } = await openPage(browser, 'desktop', DESKTOP)
  await login(page, 'committee_staff')
  await expect.poll(() => page.locator('[data-test=workbench]').getAttribute('data-kind')).toBe('committee')
  await page.waitForLoadState('networkidle')
  const w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('workbench')
  expect(errors).toEqual([])
})
