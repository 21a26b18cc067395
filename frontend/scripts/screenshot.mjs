// Screenshot of a logged-in page for the README:
//   node scripts/screenshot.mjs --base http://127.0.0.1:8000 --user committee_staff --out docs/workbench.png
// Uses Debian's Chromium (HUIYIN_CHROMIUM, default /usr/bin/chromium) through playwright-core.
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

const { values: o } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8000' },
    user: { type: 'string', default: 'committee_staff' },
    password: { type: 'string', default: 'huiyin2026' },
    path: { type: 'string', default: '/' },
    out: { type: 'string', default: 'docs/workbench.png' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '860' },
  },
})

const browser = await chromium.launch({
  executablePath: process.env.HUIYIN_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
})
try {
  const page = await browser.newPage({
    baseURL: o.base,
    viewport: { width: Number(o.width), height: Number(o.height) },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  await page.goto('/login')
  await page.locator('#login-username').fill(o.user)
  await page.locator('#login-password').fill(o.password)
  await page.locator('[data-test=login-submit]').click()
  await page.locator('[data-test=user]').waitFor()
  await page.goto(o.path)
  await page.waitForLoadState('networkidle')
  await page.screenshot({ path: o.out })
  console.log(`wrote ${o.out}`)
} finally {
  await browser.close()
}
