/** The administration pages: tables that fit 1280 px, cards at 375 px, inline form checks, 创建时间. */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { apiAs } from './api'
import { DESKTOP, launchBrowser, login, openPage, pageScrollWidth, PHONE, textbox } from './support'

let browser: Browser
const LONG_NAME = '校园基础设施建设与维修改造管理办公室（含后勤服务保障、节能监管和校园环境综合整治工作协调）'

beforeAll(async () => {
  browser = await launchBrowser()
  const admin = await apiAs('admin')
  // Rows on every page, one with a long name that must not widen its table.
  await admin.post('/units', { kind: 'department', name: LONG_NAME, code: 'jjc_long' })
  await admin.post('/calendar/days', { date: `${new Date().getFullYear()}-10-08`, is_workday: false, note: '国庆调休' })
  await admin.post('/sla-policies', { urgency: 'urgent', reply_days: 3, accept_days: 0.5, note: '紧急件' })
})

afterAll(async () => {
  await browser?.close()
})

/** Every scroll box of the page's tables: how wide its content is and how wide it shows. */
function tableWidths(page: Page): Promise<Array<{ scroll: number; client: number }>> {
  return page
    .locator('.el-table .el-scrollbar__wrap, .el-table__header-wrapper, .el-table__body-wrapper')
    .evaluateAll((els) => els.map((e) => ({ scroll: e.scrollWidth, client: e.clientWidth })))
}

const PAGES = [
  ['/admin/units', LONG_NAME],
  ['/admin/users', 'admin'],
  ['/admin/categories', '教学'],
  ['/admin/calendar', '国庆调休'],
  ['/admin/sla', '紧急'],
] as const

test('at 1280 px no admin table scrolls sideways, and the users table says 创建时间', async () => {
  const { page, shot, errors } = await openPage(browser, 'admin/desktop', DESKTOP)
  await login(page, 'admin')
  for (const [path, text] of PAGES) {
    await page.goto(path)
    const table = page.locator('[data-test=admin-table]')
    await expect.poll(() => table.locator('.el-table__body').textContent(), { timeout: 15_000 }).toContain(text)
    const widths = await tableWidths(page)
    expect(widths.length, path).toBeGreaterThan(0)
    for (const w of widths) expect(w.scroll, path).toBeLessThanOrEqual(w.client)
    const doc = await pageScrollWidth(page)
    expect(doc.scroll, path).toBeLessThanOrEqual(doc.client)
    if (path === '/admin/users') {
      const headers = await table.locator('.el-table__header th').allTextContents()
      expect(headers.map((h) => h.trim())).toContain('创建时间')
    }
    await shot(path.split('/').pop()!)
  }
  expect(errors).toEqual([])
})

test('an invalid new user shows a message under each field and sends nothing', async () => {
  const { page, shot, errors } = await openPage(browser, 'admin/user-form', DESKTOP)
  await login(page, 'admin')
  await page.goto('/admin/users')
  await page.locator('[data-test=admin-table] .el-table__body tr').first().waitFor()
  const posts: string[] = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/users') posts.push(r.url())
  })
  await page.locator('[data-test=user-create]').click()
  const dialog = page.locator('.el-dialog:visible')
  await dialog.waitFor()
  await textbox(dialog, 'user-username').fill('a b')
  await textbox(dialog, 'user-password').fill('short')
  await textbox(dialog, 'user-email').fill('not-an-email')
  await dialog.locator('[data-test=user-save]').click()

  const messages = async () =>
    Object.fromEntries(
      await dialog.locator('.el-form-item.is-error').evaluateAll((items) =>
        items.map((i) => [
          i.querySelector('.el-form-item__label')?.textContent?.trim(),
          i.querySelector('.el-form-item__error')?.textContent?.trim(),
        ]),
      ),
    )
  await expect.poll(messages).toEqual({
    用户名: '用户名只能包含字母、数字和 _ . @ -',
    姓名: '请填写姓名',
    密码: '密码需 8–128 字',
    单位: '请选择单位',
    邮箱: '邮箱格式不正确',
  })
  // Each field is red on its own.
  expect(await dialog.locator('.el-form-item.is-error .el-input__wrapper, .el-form-item.is-error .el-select__wrapper').count()).toBe(5)
  await shot('invalid-user')
  expect(posts).toEqual([])

  // Fixing a field clears its message only.
  await textbox(dialog, 'user-username').fill('new_clerk')
  await textbox(dialog, 'user-username').blur()
  // Polled: under load a read can fall between two renders of the form items.
  await expect.poll(async () => Object.keys(await messages()).sort()).toEqual(['姓名', '密码', '单位', '邮箱'].sort())
  expect(errors).toEqual([])
})

test('at 375 px the admin lists are cards whose actions are on screen', async () => {
  const { page, shot, errors } = await openPage(browser, 'admin/phone', PHONE)
  await login(page, 'admin')
  for (const path of ['/admin/users', '/admin/units', '/admin/categories']) {
    await page.goto(path)
    const cards = page.locator('[data-test=admin-card]')
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThan(0)
    expect(await page.locator('[data-test=admin-table]').count(), path).toBe(0)
    const first = cards.first()
    const buttons = first.locator('[data-test=admin-card-actions] button')
    expect(await buttons.count(), path).toBeGreaterThan(0)
    for (const box of await buttons.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width)
      expect(box.height).toBeGreaterThanOrEqual(28) // normal-size buttons, not table links
    }
    const doc = await pageScrollWidth(page)
    expect(doc.scroll, path).toBeLessThanOrEqual(doc.client)
    await shot(path.split('/').pop()!)
  }
  // A card's 编辑 opens the form as a bottom drawer.
  await page.locator('[data-test=admin-card] [data-test=admin-card-actions] button', { hasText: '编辑' }).first().click()
  await expect.poll(() => page.locator('[data-form-dialog=drawer]:visible').count()).toBe(1)
  await shot('edit-drawer')
  expect(errors).toEqual([])
})
