/**
 * The forms of issue 9: the college head's on-behalf opinion with 查看/继续新建, inline validation
 * that scrolls to the first error, and the public submit page (copy, bookmarkable link, QR,
 * photos) with its lookup.
 */
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs } from './api'
import { DESKTOP, PHONE, baseURL, launchBrowser, login, openPage, textbox } from './support'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

/** Whether the element's box lies inside the viewport (the page scrolled to it). */
async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox()
  const vp = page.viewportSize()
  if (!box || !vp) return false
  return box.y >= 0 && box.y + Math.min(box.height, 40) <= vp.height
}

interface Found {
  id: number
  title: string
}

async function ticketByTitle(title: string): Promise<{ id: number; reporter_name?: string | null; contact?: string | null }> {
  const committee = await apiAs('committee_staff')
  const page = await committee.get<{ items: Found[] }>(`/tickets?q=${encodeURIComponent(title)}`)
  const hit = page.items.find((x) => x.title === title)
  expect(hit, `ticket "${title}"`).toBeTruthy()
  return committee.get(`/tickets/${hit!.id}`)
}

test('a college head raises an opinion on behalf of a student, then 继续新建 gives an empty form', async () => {
  const { page, shot, errors } = await openPage(browser, 'forms', DESKTOP)
  await login(page, 'cs_head')
  // 新建意见 on the college workbench.
  await page.locator('[data-test=wb-new-ticket]').click()
  await page.waitForURL(/\/tickets\/new$/)

  const title = `实验楼夜间门禁 ${Date.now()}`
  await textbox(page, 'title').fill(title)
  await textbox(page, 'content').fill('学生反映晚上十点后实验楼门禁刷卡失灵，做实验的同学出不去。')
  expect(await page.locator('[data-test=reporter-fields]').count()).toBe(0)
  await page.locator('[data-test=on-behalf]').click()
  await textbox(page, 'reporter-name').fill('李同学')
  await textbox(page, 'contact').fill('lixs@example.edu.cn')
  await shot('on-behalf-form')
  await page.locator('[data-test=submit]').click()

  const result = page.locator('[data-test=result]')
  await expect.poll(() => result.isVisible()).toBe(true)
  expect(await page.locator('[data-test=result-view]').isVisible()).toBe(true)
  await shot('result')
  const saved = await ticketByTitle(title)
  expect(saved.reporter_name).toBe('李同学')
  expect(saved.contact).toBe('lixs@example.edu.cn')

  await page.locator('[data-test=result-again]').click()
  await expect.poll(() => textbox(page, 'title').isVisible()).toBe(true)
  expect(await textbox(page, 'title').inputValue()).toBe('')
  expect(await textbox(page, 'content').inputValue()).toBe('')
  expect(await page.locator('[data-test=reporter-fields]').count()).toBe(0)
  expect(await page.locator('.el-form-item.is-error').count()).toBe(0)
  expect(new URL(page.url()).pathname).toBe('/tickets/new')
  await shot('fresh-form')

  // 查看 opens the ticket the form created.
  const second = `${title} 第二条`
  await textbox(page, 'title').fill(second)
  await textbox(page, 'content').fill('同一栋楼的电梯晚上也停了。')
  await page.locator('[data-test=submit]').click()
  await page.locator('[data-test=result-view]').click()
  await page.waitForURL(/\/tickets\/\d+$/)
  await expect.poll(() => page.locator('h1, h2').filter({ hasText: second }).count()).toBeGreaterThan(0)
  expect(errors).toEqual([])
})

test('an empty required field shows its own red message and the page scrolls to it (phone)', async () => {
  const { page, shot, errors } = await openPage(browser, 'forms', PHONE)
  await login(page, 'cs_staff')
  await page.goto('/tickets/new')
  await textbox(page, 'content').fill('只写了内容，没有写标题。')
  const submit = page.locator('[data-test=submit]')
  await submit.scrollIntoViewIfNeeded()
  const titleItem = page.locator('.el-form-item').filter({ has: page.locator('[data-test=title]') })
  expect(await inViewport(page, titleItem)).toBe(false)
  let posted = false
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/tickets') posted = true
  })
  await submit.click()

  await expect.poll(() => titleItem.getAttribute('class')).toContain('is-error')
  expect(await titleItem.locator('.el-form-item__error').textContent()).toBe('请填写标题')
  // Only the empty field is marked.
  expect(await page.locator('.el-form-item.is-error').count()).toBe(1)
  await expect.poll(() => inViewport(page, titleItem)).toBe(true)
  expect(await textbox(page, 'title').evaluate((el) => el === document.activeElement)).toBe(true)
  const color = await titleItem.locator('.el-form-item__error').evaluate((el) => getComputedStyle(el).color)
  expect(color).toMatch(/^rgb\(24[0-9], 1[0-9]{2}, 1[0-9]{2}\)$/) // Element Plus danger red
  await shot('inline-error')
  expect(posted).toBe(false)
  expect(errors).toEqual([])
})

test('public submit at 375: code, copy, bookmarkable link, QR and a photo the committee sees', async () => {
  const { page, context, shot, errors } = await openPage(browser, 'forms', PHONE)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL() })
  const title = `图书馆三楼漏雨 ${Date.now()}`
  await page.goto('/public/submit')
  await textbox(page, 'public-title').fill(title)
  await textbox(page, 'public-content').fill('下雨天三楼东侧窗边漏水，书架上的书被打湿了。')
  // A real PNG, drawn by the browser.
  const png = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 64
    c.height = 48
    const g = c.getContext('2d')!
    g.fillStyle = '#3a7bd5'
    g.fillRect(0, 0, 64, 48)
    g.fillStyle = '#fff'
    g.fillRect(8, 8, 20, 20)
    return c.toDataURL('image/png').split(',')[1]!
  })
  await page.locator('[data-test=photos] input[type=file]').setInputFiles({
    name: 'leak.png',
    mimeType: 'image/png',
    buffer: Buffer.from(png, 'base64'),
  })
  await expect.poll(() => page.locator('[data-test=photos] .el-upload-list__item img').count()).toBe(1)
  await shot('public-form-photo')

  const uploaded = page.waitForResponse((r) => r.request().method() === 'POST' && /\/attachments$/.test(new URL(r.url()).pathname))
  await page.locator('[data-test=public-submit]').click()
  const codeEl = page.locator('[data-test=tracking-code]')
  await expect.poll(() => codeEl.isVisible()).toBe(true)
  const code = (await codeEl.textContent())?.trim() ?? ''
  expect(code).toMatch(/^[A-Za-z0-9-]{8,40}$/)
  const photo = await uploaded
  expect(photo.status()).toBe(201)
  const { filename } = (await photo.json()) as { filename: string }
  await expect.poll(() => page.locator('[data-test=photo-row]').getAttribute('data-state')).toBe('success')

  // Copy button: the clipboard holds the code.
  await page.locator('[data-test=copy-code]').click()
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(code)
  // The link and its QR (an SVG drawn in the page).
  const link = page.locator('[data-test=lookup-link]')
  const href = (await link.getAttribute('href')) ?? ''
  expect(new URL(href).pathname).toBe('/public/lookup')
  expect(new URL(href).searchParams.get('code')).toBe(code)
  const qr = page.locator('[data-test=qr]')
  await expect.poll(() => qr.isVisible()).toBe(true)
  expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg')
  expect(((await qr.locator('path').getAttribute('d')) ?? '').length).toBeGreaterThan(100)
  const box = await qr.boundingBox()
  expect(box!.width).toBeGreaterThanOrEqual(120)
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
  await shot('public-result')

  // The link, opened as a bookmark, shows the ticket at once.
  await link.click()
  await page.waitForURL(/\/public\/lookup\?code=/)
  const result = page.locator('[data-test=lookup-result]')
  await expect.poll(() => result.textContent()).toContain(title)
  expect(await textbox(page, 'lookup-code').inputValue()).toBe(code)
  await expect.poll(() => page.locator('[data-test=lookup-photos]').textContent()).toContain('1')
  await shot('public-lookup-from-link')

  // The committee sees the photo on the ticket.
  const staff = await openPage(browser, 'forms', DESKTOP)
  await login(staff.page, 'committee_staff')
  const { id } = await ticketByTitle(title)
  await staff.page.goto(`/tickets/${id}`)
  await expect.poll(() => staff.page.locator('[data-test=attachments]').textContent()).toContain(filename)
  await staff.shot('committee-sees-photo')
  await staff.context.close()
  expect(errors).toEqual([])
  expect(staff.errors).toEqual([])
})

test('a wrong code on lookup says so', async () => {
  const { page, shot, errors } = await openPage(browser, 'forms', PHONE)
  await page.goto('/public/lookup')
  await textbox(page, 'lookup-code').fill('WRONG-CODE-0000')
  await page.locator('[data-test=lookup-form] button[type=submit]').click()
  await expect.poll(() => page.locator('[data-test=lookup-error]').textContent()).toContain('查询码有误，请核对')
  expect(await page.locator('[data-test=lookup-result]').count()).toBe(0)
  await shot('wrong-code')
  expect(errors).toEqual([])
})
