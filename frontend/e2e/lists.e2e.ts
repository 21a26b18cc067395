/**
 * The paged lists: filters and totals at 1280 px (in the URL, surviving a reload, 返回 keeps
 * them), workbench tiles whose counts equal the lists they open, tables that never scroll
 * sideways, and card lists with the first to-do on screen at 375 px.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs, unitId, type Api } from './api'
import { choose, DESKTOP, launchBrowser, login, openPage, pageScrollWidth, textbox } from './support'

/** A word only this file's tickets carry in their title. */
const TAG = '分页核对'
const COUNT = 23
const LONG = `${TAG}：图书馆三楼自习区空调温度长期偏低，冬季开放时间内学生普遍反映无法久坐，希望后勤与图书馆协调调整供暖`
const PHONE_SMALL = { width: 375, height: 667 }

let browser: Browser
let committee: Api
let returnedId = 0

beforeAll(async () => {
  browser = await launchBrowser()
  const college = await apiAs('me_staff')
  committee = await apiAs('committee_staff')
  const department = await apiAs('jwc_staff')
  const jwc = await unitId(committee, '教务处')
  const ids: number[] = []
  for (let i = 1; i <= COUNT; i++) {
    const title = i === COUNT ? LONG : `${TAG} 第${String(i).padStart(2, '0')}件`
    const tk = await college.post<{ id: number }>('/tickets', { title, content: `${title}，请协调处理。` })
    ids.push(tk.id)
  }
  // The newest three go to 教务处; it returns one (back to 待受理, with the 退单 tag) and gets an
  // order on another.
  const [a, b, c] = ids.slice(-3) as [number, number, number]
  for (const id of [a, b, c]) await committee.post(`/tickets/${id}/dispatch`, { lead_department_id: jwc })
  returnedId = a
  await department.post(`/tickets/${returnedId}/return`, { reason_code: 'not_our_remit', reason: '不属于教务处职责范围' })
  await committee.post('/supervision-orders', { ticket_id: b, reason: '请尽快签收并反馈办理计划，超期将通报。' })
})

afterAll(async () => {
  await browser?.close()
})

async function total(page: Page): Promise<number> {
  const text = (await page.locator('[data-test=list-pager] .el-pagination__total').textContent()) ?? ''
  const m = /(\d+)/.exec(text)
  return m ? Number(m[1]) : NaN
}

async function waitList(page: Page): Promise<void> {
  await page.locator('[data-test=list-page]').waitFor()
  await expect.poll(() => page.locator('[data-test=list-page] .el-loading-mask:visible').count()).toBe(0)
}

/** Every scroll box of the list's table, and the page: none wider than its box. */
async function sidewaysOverflow(page: Page): Promise<Array<{ scroll: number; client: number }>> {
  const boxes = await page
    .locator('[data-test=list-table] .el-table, [data-test=list-table] .el-scrollbar__wrap')
    .evaluateAll((els) => els.map((e) => ({ scroll: e.scrollWidth, client: e.clientWidth })))
  expect(boxes.length).toBeGreaterThan(0)
  return [...boxes, await pageScrollWidth(page)].filter((b) => b.scroll > b.client)
}

test('ticket list at 1280: a tile opens its list with the same count; filters, total and paging in the URL; 返回 keeps them', async () => {
  const { page, shot, errors } = await openPage(browser, 'lists/desktop', DESKTOP)
  await login(page, 'committee_staff')

  // 待受理 on the workbench equals the list it opens (returned tickets included).
  const tile = page.locator('[data-test=tile-triage]')
  await expect.poll(() => tile.locator('[data-test=tile-value]').textContent()).toMatch(/^\d+$/)
  const tileCount = Number(await tile.locator('[data-test=tile-value]').textContent())
  const counts = await committee.get<{ by_status: Record<string, number>; returned: number }>('/tickets/counts')
  expect(tileCount).toBe(counts.by_status.submitted)
  await tile.click()
  await page.waitForURL((u) => u.pathname === '/tickets' && u.search === '?status=submitted')
  await waitList(page)
  expect(await total(page)).toBe(tileCount)
  // The returned ticket is among them, tagged.
  await page.locator('input[data-test=filter-q]').fill(TAG)
  await page.locator('[data-test=search]').click()
  await page.waitForURL((u) => u.searchParams.get('q') === TAG)
  await waitList(page)
  expect(await total(page)).toBe(COUNT - 2)
  expect(await page.locator('[data-test=ticket-table] [data-test=returned-tag]').count()).toBe(1)

  // Reset, then the keyword only: every ticket of this file, 20 a page.
  await page.locator('[data-test=reset]').click()
  await page.waitForURL((u) => u.pathname === '/tickets' && u.search === '')
  await textbox(page, 'filter-q').fill(TAG)
  await textbox(page, 'filter-q').press('Enter')
  await page.waitForURL((u) => u.search === `?q=${encodeURIComponent(TAG)}`)
  await waitList(page)
  expect(await total(page)).toBe(COUNT)
  const rows = page.locator('[data-test=ticket-table] .el-table__body tr')
  expect(await rows.count()).toBe(20)
  // No table scrolls sideways at 1280, long title included (it is cut, with a tooltip).
  expect(await sidewaysOverflow(page)).toEqual([])
  await shot('filtered')

  // 返回 from a ticket comes back to the same list at the same scroll position.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100)
  const y = await page.evaluate(() => window.scrollY)
  const listUrl = page.url()
  const lastTitle = rows.last().locator('.title-link')
  const opened = (await lastTitle.textContent())?.trim() ?? ''
  await lastTitle.click()
  await page.waitForURL(/\/tickets\/\d+$/)
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe(opened)
  await page.locator('[data-test=back-to-list]').click()
  await page.waitForURL((u) => u.href === listUrl)
  await waitList(page)
  expect(await page.locator('input[data-test=filter-q]').inputValue()).toBe(TAG)
  expect(await total(page)).toBe(COUNT)
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(y - 40)

  // 10 a page, page 2; a reload shows the same page of the same list.
  await choose(page, page.locator('[data-test=list-pager] .el-pagination__sizes .el-select'), '10条/页')
  await page.waitForURL((u) => u.searchParams.get('size') === '10')
  await page.locator('[data-test=list-pager] .el-pager li', { hasText: /^2$/ }).click()
  await page.waitForURL((u) => u.searchParams.get('page') === '2')
  await waitList(page)
  const page2 = await rows.allTextContents()
  expect(page2).toHaveLength(10)
  await page.reload()
  await waitList(page)
  expect(new URL(page.url()).searchParams.get('page')).toBe('2')
  expect(await page.locator('input[data-test=filter-q]').inputValue()).toBe(TAG)
  expect(await page.locator('[data-test=list-pager] .el-pager li.is-active').textContent()).toBe('2')
  await expect.poll(() => rows.allTextContents()).toEqual(page2)
  // The jumper goes to page 3: the last three.
  const jump = page.locator('[data-test=list-pager] .el-pagination__jump input')
  await jump.fill('3')
  await jump.press('Enter')
  await page.waitForURL((u) => u.searchParams.get('page') === '3')
  await waitList(page)
  await expect.poll(() => rows.count()).toBe(COUNT - 20)

  // 被退单 = 是, behind 展开: the one returned ticket.
  await page.locator('[data-test=search-toggle]').click()
  await choose(page, page.locator('[data-test=filter-returned]'), '是')
  await page.locator('[data-test=search]').click()
  await page.waitForURL((u) => u.searchParams.get('returned') === 'true' && !u.searchParams.has('page'))
  await waitList(page)
  expect(await total(page)).toBe(1)
  expect(await rows.count()).toBe(1)
  expect(await rows.first().locator('[data-test=returned-tag]').textContent()).toContain('退单')
  expect(await rows.first().locator('.title-link').getAttribute('href')).toBe(`/tickets/${returnedId}`)
  await shot('returned')
  expect(errors).toEqual([])
})

test('every committee tile count equals the total of the list it opens', async () => {
  const { page, errors } = await openPage(browser, 'lists/tiles', DESKTOP)
  await login(page, 'committee_staff')
  for (const key of ['triage', 'toRevisit', 'overdue', 'extensions']) {
    await page.goto('/')
    const tile = page.locator(`[data-test=tile-${key}]`)
    await expect.poll(() => tile.locator('[data-test=tile-value]').textContent()).toMatch(/^\d+$/)
    const n = Number(await tile.locator('[data-test=tile-value]').textContent())
    await tile.click()
    await page.waitForURL((u) => u.pathname === '/tickets')
    await waitList(page)
    if (n === 0) await expect.poll(() => page.locator('[data-test=list-pager]').count()).toBe(0)
    else expect(await total(page), key).toBe(n)
  }
  expect(errors).toEqual([])
})

test('at 375: the workbench shows the first to-do without scrolling; the list is cards', async () => {
  const { page, shot, errors } = await openPage(browser, 'lists/phone', PHONE_SMALL)
  await login(page, 'committee_staff')
  await expect.poll(() => page.locator('[data-test=workbench]').getAttribute('data-kind')).toBe('committee')
  expect(await page.locator('[data-test=wb-greeting]').count()).toBe(0)
  // The tiles are one row.
  const tiles = await page.locator('[data-test=tiles] .wb-tile').evaluateAll((els) =>
    els.map((e) => Math.round(e.getBoundingClientRect().top)),
  )
  expect(tiles.length).toBe(4)
  expect(new Set(tiles).size).toBe(1)
  const first = page.locator('[data-test=queue-triage] .mini-item').first()
  await first.waitFor()
  const box = await first.boundingBox()
  expect(box).not.toBeNull()
  expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE_SMALL.height)
  let w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('workbench')

  await page.goto(`/tickets?q=${encodeURIComponent(TAG)}`)
  await waitList(page)
  const cards = page.locator('[data-test=list-cards] > li')
  await expect.poll(() => cards.count()).toBe(20)
  expect(await page.locator('[data-test=ticket-table]').count()).toBe(0)
  const card = page.locator('[data-test^=ticket-card-]').filter({ hasText: LONG })
  await expect.poll(() => card.count()).toBe(1)
  expect(await card.locator('.ticket-card__code').textContent()).toMatch(/\S/)
  expect(await card.locator('.status-tag').count()).toBe(1)
  expect(await total(page)).toBe(COUNT)
  w = await pageScrollWidth(page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await shot('ticket-cards')
  await card.locator('[data-test=open-ticket]').click()
  await page.waitForURL(/\/tickets\/\d+$/)
  await expect.poll(() => page.locator('[data-test=ticket-title]').textContent()).toBe(LONG)
  expect(errors).toEqual([])
})

test('supervision: the table fits 1280, cards with the actions at 375', async () => {
  const desk = await openPage(browser, 'lists/supervision-desktop', DESKTOP)
  await login(desk.page, 'committee_staff')
  await desk.page.goto('/supervision')
  await waitList(desk.page)
  await expect.poll(() => desk.page.locator('[data-test=order-table] .el-table__body tr').count()).toBeGreaterThan(0)
  expect(await sidewaysOverflow(desk.page)).toEqual([])
  await desk.shot('orders')
  expect(desk.errors).toEqual([])

  const phone = await openPage(browser, 'lists/supervision-phone', PHONE_SMALL)
  await login(phone.page, 'jwc_head')
  await phone.page.goto('/supervision')
  await waitList(phone.page)
  const card = phone.page.locator('[data-test^=order-card-]').first()
  await card.waitFor()
  expect(await card.locator('[data-test=order-acknowledge]').isVisible()).toBe(true)
  const w = await pageScrollWidth(phone.page)
  expect(w.scroll).toBeLessThanOrEqual(w.client)
  await phone.shot('orders')
  expect(phone.errors).toEqual([])
})
