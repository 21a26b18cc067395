/**
 * The session in the browser: no token where a script could read it, a reload resumes the
 * session from the HttpOnly refresh cookie, logout ends it for good, and every page is served
 * under the content security policy (a violation would show as a console error). Two tabs of one
 * browser share the rotating refresh cookie and keep each other signed in.
 */
import type { Browser, Page, Response } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startBackend } from './backend'
import { DEMO_PASSWORD, launchBrowser, login, openPage } from './support'

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

test('tokens stay out of reach of scripts, a reload resumes the session and logout ends it', async () => {
  const { page, context, errors } = await openPage(browser, 'session')
  const served = page.waitForResponse((r) => new URL(r.url()).pathname === '/login')
  await page.goto('/login')
  const csp = (await served).headers()['content-security-policy'] ?? ''
  expect(csp).toContain("script-src 'self';")
  expect(csp).toContain("frame-ancestors 'none'")

  await login(page, 'cs_staff')
  const storage = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
  }))
  expect(storage.local).not.toMatch(/eyJ/) // no JWT of any kind
  expect(storage.session).not.toMatch(/eyJ/)
  expect(storage.cookies).not.toContain('huiyin_refresh')
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'huiyin_refresh')
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' })

  await page.reload()
  await page.locator('[data-test=user]').waitFor()
  expect(new URL(page.url()).pathname).not.toBe('/login')

  await page.locator('[data-test=user]').click() // the avatar menu
  await page.locator('[data-test=logout]').click()
  await page.waitForURL((url) => url.pathname.startsWith('/login'))
  expect((await context.cookies()).filter((c) => c.name === 'huiyin_refresh')).toEqual([])
  await page.goto('/tickets')
  await page.waitForURL((url) => url.pathname.startsWith('/login'))
  expect(errors).toEqual([])
})

/**
 * The server rotates the refresh token on every use and ends the session when an old one comes
 * back. Two tabs share the cookie: if both refreshed at once with the same cookie, the second
 * would end the session of both. The tabs open together (two restores at once), then wait out a
 * one-minute access token (their bell pollers hit 401 at about the same moment and refresh),
 * then navigate at the same moment; every refresh must succeed and both tabs stay signed in.
 */
test('two tabs with a short access token keep each other signed in', async () => {
  const backend = await startBackend('two-tabs', { HUIYIN_ACCESS_TOKEN_MINUTES: '1' })
  const context = await browser.newContext({ baseURL: backend.baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  try {
    context.setDefaultTimeout(15_000)
    const refreshes: number[] = []
    const errors: string[] = []
    const watch = (page: Page) => {
      page.on('response', (r: Response) => {
        if (new URL(r.url()).pathname === '/api/v1/auth/refresh') refreshes.push(r.status())
      })
      page.on('pageerror', (e) => errors.push(e.message))
    }
    const one = await context.newPage()
    const two = await context.newPage()
    watch(one)
    watch(two)
    await one.goto('/login')
    await one.locator('#login-username').fill('cs_staff')
    await one.locator('#login-password').fill(DEMO_PASSWORD)
    await one.locator('[data-test=login-submit]').click()
    await one.locator('[data-test=user]').waitFor()
    refreshes.length = 0 // the login page's own try (no cookie yet) is not the point

    // Both tabs load at once: each trades the same cookie for a token at the same moment.
    await Promise.all([one.goto('/tickets'), two.goto('/tickets')])
    await Promise.all([one.locator('[data-test=user]').waitFor(), two.locator('[data-test=user]').waitFor()])
    expect(refreshes).toEqual([200, 200])

    // Past the access token's minute (the bell pollers of visible tabs meet their 401s meanwhile),
    // both tabs navigate at the same moment: each request needs a fresh token.
    await one.waitForTimeout(65_000)
    await Promise.all([one.locator('[data-test=nav-workbench]').click(), two.locator('[data-test=nav-workbench]').click()])
    for (const page of [one, two]) {
      await page.locator('[data-test=workbench]').waitFor()
      expect(new URL(page.url()).pathname).toBe('/')
    }
    // Each tab refreshed once more at least, and no refresh was refused.
    await expect.poll(() => refreshes.length).toBeGreaterThanOrEqual(4)
    expect(refreshes.every((s) => s === 200), `refresh answers: ${refreshes.join(', ')}`).toBe(true)

    // The session is alive on the server: a reload resumes it.
    await two.reload()
    await two.locator('[data-test=user]').waitFor()
    expect(new URL(two.url()).pathname).toBe('/')
    expect(refreshes.every((s) => s === 200)).toBe(true)
    expect(errors).toEqual([])
  } finally {
    await context.close()
    await backend.stop()
  }
}, 180_000)
