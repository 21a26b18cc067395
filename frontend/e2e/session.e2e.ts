/**
 * The session in the browser: no token where a script could read it, a reload resumes the
 * session from the HttpOnly refresh cookie, logout ends it for good, and every page is served
 * under the content security policy (a violation would show as a console error).
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { launchBrowser, login, openPage } from './support'

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

  await page.locator('[data-test=logout]').click()
  await page.waitForURL((url) => url.pathname.startsWith('/login'))
  expect((await context.cookies()).filter((c) => c.name === 'huiyin_refresh')).toEqual([])
  await page.goto('/tickets')
  await page.waitForURL((url) => url.pathname.startsWith('/login'))
  expect(errors).toEqual([])
})
