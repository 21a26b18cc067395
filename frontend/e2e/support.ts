/** What every end-to-end test uses: Debian's Chromium, a logged-in page per user, screenshots. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { expect, inject } from 'vitest'
import { OUTPUT_DIR } from './paths'

/** The system's Chromium; never a downloaded browser build. */
export const CHROMIUM_PATH = process.env.HUIYIN_CHROMIUM ?? '/usr/bin/chromium'
export const DEMO_PASSWORD = 'huiyin2026'
export const DESKTOP = { width: 1280, height: 860 }
export const PHONE = { width: 375, height: 760 }

export function baseURL(): string {
  return inject('baseURL')
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  })
}

/** A browser page with its own cookies and storage, that remembers the errors it saw. */
export interface UserPage {
  page: Page
  context: BrowserContext
  /** Uncaught exceptions and console errors other than failed requests (those are asserted on). */
  errors: string[]
  shot: (name: string) => Promise<void>
}

export async function openPage(
  browser: Browser,
  folder: string,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<UserPage> {
  const context = await browser.newContext({
    baseURL: baseURL(),
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    isMobile: viewport.width < 500,
    hasTouch: viewport.width < 500,
    acceptDownloads: true,
  })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    // A refused request is logged by Chromium too; the tests check those responses themselves.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`)
  })
  const dir = join(OUTPUT_DIR, folder)
  mkdirSync(dir, { recursive: true })
  let n = 0
  const shot = async (name: string) => {
    n += 1
    await page.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true })
  }
  return { page, context, errors, shot }
}

export async function login(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login')
  await page.locator('#login-username').fill(username)
  await page.locator('#login-password').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('[data-test=user]').waitFor()
}

/**
 * The text box marked `data-test=name`. Element Plus puts such attributes on the <input> or
 * <textarea> itself for el-input, and on the wrapper for el-input-number.
 */
export function textbox(scope: Page | Locator, name: string): Locator {
  const n = `[data-test="${name}"]`
  return scope.locator(`input${n}, textarea${n}, ${n} input, ${n} textarea`).first()
}

/** The page itself never scrolls sideways; wide tables scroll inside their own box. */
export async function pageScrollWidth(page: Page): Promise<{ scroll: number; client: number }> {
  return page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }))
}

/**
 * Pick an option of the Element Plus select `trigger` by its visible text, and check that the
 * select shows it: on a loaded machine a click can land while the dropdown is still opening and
 * choose nothing, so the pick is retried (at most three times) instead of failing later on.
 */
export async function choose(page: Page, trigger: Locator, text: string): Promise<void> {
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: text }).first()
  for (let attempt = 1; ; attempt++) {
    if (!(await option.isVisible())) await trigger.click()
    await option.click()
    try {
      await expect.poll(() => trigger.textContent(), { timeout: 3_000 }).toContain(text)
      return
    } catch (e) {
      if (attempt >= 3) throw e
    }
  }
}

export async function ticketStatus(page: Page): Promise<string | null> {
  return page.locator('.head .status-tag').first().getAttribute('data-status')
}

export async function allowedActions(page: Page): Promise<string[]> {
  const buttons = page.locator('[data-test=actions] [data-action]')
  return buttons.evaluateAll((els) => els.map((e) => e.getAttribute('data-action') ?? ''))
}

/**
 * Run one lifecycle action from the ticket page: open its dialog, let `fill` complete the form,
 * submit, and wait for the server's answer and the reloaded ticket.
 */
export async function act(
  page: Page,
  action: string,
  fill: (dialog: Locator) => Promise<void> = async () => {},
): Promise<void> {
  await page.locator(`[data-test=actions] [data-action="${action}"]`).click()
  const dialog = page.locator('.el-dialog:visible').filter({ has: page.locator(`.action-body[data-action="${action}"]`) })
  await expect.poll(() => dialog.isVisible()).toBe(true)
  // Wait for the dialog's own lookups (departments, pending extension …) to finish.
  await expect.poll(() => dialog.locator('[data-test=action-submit]').isEnabled()).toBe(true)
  await fill(dialog)
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && /\/api\/v1\/tickets\/\d+\//.test(new URL(r.url()).pathname),
  )
  await dialog.locator('[data-test=action-submit]').click()
  const res = await answered
  expect(res.status(), `${action}: ${await res.text()}`).toBeLessThan(300)
  await expect.poll(() => dialog.isVisible()).toBe(false)
}

export function ticketIdOf(page: Page): number {
  const m = /\/tickets\/(\d+)/.exec(new URL(page.url()).pathname)
  if (!m) throw new Error(`not on a ticket page: ${page.url()}`)
  return Number(m[1])
}
