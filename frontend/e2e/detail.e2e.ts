/**
 * The ticket page's action forms keep what was typed: closing a reply with text asks first, a
 * kept draft survives a reload, a sent one is gone. On a phone the form is a bottom drawer under
 * the ticket's title and the sticky bar offers the next step as its primary button.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId } from './api'
import { DESKTOP, launchBrowser, login, openPage, pageScrollWidth, PHONE, textbox } from './support'

let browser: Browser
const ids: number[] = []
const TITLES = ['实验楼三层饮水机长期故障', '图书馆自习座位预约系统经常无法登录，影响期末复习']

beforeAll(async () => {
  browser = await launchBrowser()
  // Two tickets waiting for 教务处's reply.
  const college = await apiAs('me_staff')
  const committee = await apiAs('committee_staff')
  const department = await apiAs('jwc_staff')
  const jwc = await unitId(committee, '教务处')
  for (const title of TITLES) {
    const tk = await college.post<{ id: number }>('/tickets', { title, content: `${title}，请尽快处理。` })
    await committee.post(`/tickets/${tk.id}/dispatch`, { lead_department_id: jwc })
    await department.post(`/tickets/${tk.id}/accept`)
    ids.push(tk.id)
  }
})

afterAll(async () => {
  await browser?.close()
})

const discardBox = (page: Page) => page.locator('.form-dialog-discard:visible')

async function openReply(page: Page) {
  await page.locator('[data-test=actions] [data-action=reply]').click()
  const form = page.locator('[data-form-dialog]:visible').filter({ has: page.locator('.action-body[data-action=reply]') })
  await expect.poll(() => form.isVisible()).toBe(true)
  return form
}

test('a typed reply asks before it is thrown away and survives a reload as a draft', async () => {
  const { page, shot, errors } = await openPage(browser, 'detail', DESKTOP)
  await login(page, 'jwc_staff')
  await page.goto(`/tickets/${ids[0]}`)
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe(TITLES[0])

  let dialog = await openReply(page)
  const text = '已联系后勤维修，本周五前更换饮水机滤芯并检修电路。'
  await textbox(dialog, 'field-content').fill(text)

  // × asks; closing the question goes back to the form with the text in place.
  await dialog.locator('.el-dialog__headerbtn').click()
  await expect.poll(() => discardBox(page).textContent()).toContain('放弃已填写的内容？')
  await discardBox(page).locator('.el-message-box__headerbtn').click()
  await expect.poll(() => discardBox(page).count()).toBe(0)
  expect(await dialog.isVisible()).toBe(true)
  expect(await textbox(dialog, 'field-content').inputValue()).toBe(text)

  // Esc asks too; 保留草稿 closes and keeps the draft.
  await page.keyboard.press('Escape')
  await expect.poll(() => discardBox(page).isVisible()).toBe(true)
  await discardBox(page).getByRole('button', { name: '保留草稿', exact: true }).click()
  await expect.poll(() => dialog.isVisible()).toBe(false)

  await page.reload()
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe(TITLES[0])
  dialog = await openReply(page)
  expect(await textbox(dialog, 'field-content').inputValue()).toBe(text)
  expect(await dialog.locator('[data-test=draft-restored]').isVisible()).toBe(true)
  await shot('draft-restored')

  // A click outside asks as well; 放弃 throws the text away for good.
  await page.mouse.click(8, DESKTOP.height - 8)
  await expect.poll(() => discardBox(page).isVisible()).toBe(true)
  await discardBox(page).getByRole('button', { name: '放弃', exact: true }).click()
  await expect.poll(() => dialog.isVisible()).toBe(false)
  dialog = await openReply(page)
  expect(await textbox(dialog, 'field-content').inputValue()).toBe('')

  // Without text, × just closes.
  await dialog.locator('.el-dialog__headerbtn').click()
  await expect.poll(() => dialog.isVisible()).toBe(false)
  expect(await discardBox(page).count()).toBe(0)

  // Sent: the ticket moves on and no draft is left behind.
  dialog = await openReply(page)
  await textbox(dialog, 'field-content').fill(text)
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/tickets/${ids[0]}/reply`))
  await dialog.locator('[data-test=action-submit]').click()
  expect((await answered).status()).toBe(200)
  await expect.poll(() => page.locator('.head .status-tag').first().getAttribute('data-status')).toBe('replied')
  const drafts = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('huiyin.draft.')))
  expect(drafts).toEqual([])
  expect(errors).toEqual([])
})

test('at 375 px the next step is the sticky primary button and the form is a drawer under the title', async () => {
  const { page, shot, errors } = await openPage(browser, 'detail-phone', PHONE)
  await login(page, 'jwc_staff')
  await page.goto(`/tickets/${ids[1]}`)
  const title = page.locator('[data-test=ticket-title]')
  await expect.poll(() => title.textContent()).toBe(TITLES[1])
  await page.waitForLoadState('networkidle')

  const bar = page.locator('[data-test=actions]')
  expect(await bar.getAttribute('data-next')).toBe('reply')
  const primary = bar.locator('.el-button--primary')
  expect(await primary.count()).toBe(1)
  expect(await primary.getAttribute('data-action')).toBe('reply')
  // Stuck to the bottom of the screen with the page scrolled to its top.
  const barBox = await bar.boundingBox()
  expect(barBox).not.toBeNull()
  expect(Math.abs(barBox!.y + barBox!.height - PHONE.height)).toBeLessThanOrEqual(2)
  const btnBox = await primary.boundingBox()
  expect(btnBox!.height).toBeGreaterThanOrEqual(30) // a normal-size button, not "small"
  const w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('sticky-bar')

  await primary.click()
  const drawer = page.locator('[data-form-dialog=drawer]:visible')
  await expect.poll(() => drawer.isVisible()).toBe(true)
  await page.waitForTimeout(400) // the drawer slides in
  const drawerBox = await drawer.boundingBox()
  const titleBox = await title.boundingBox()
  expect(drawerBox && titleBox).toBeTruthy()
  expect(Math.abs(drawerBox!.y + drawerBox!.height - PHONE.height)).toBeLessThanOrEqual(2)
  expect(drawerBox!.height).toBeLessThanOrEqual(PHONE.height * 0.7 + 1)
  // The question stays in sight above the form.
  expect(titleBox!.y).toBeGreaterThanOrEqual(0)
  expect(titleBox!.y + titleBox!.height).toBeLessThanOrEqual(drawerBox!.y)
  await textbox(drawer, 'field-content').fill('已报修，三个工作日内答复。')
  await drawer.locator('.el-drawer__close-btn').click()
  await expect.poll(() => discardBox(page).isVisible()).toBe(true)
  await shot('drawer-discard')
  await discardBox(page).getByRole('button', { name: '保留草稿', exact: true }).click()
  await expect.poll(() => drawer.count()).toBe(0)
  expect(errors).toEqual([])
})
