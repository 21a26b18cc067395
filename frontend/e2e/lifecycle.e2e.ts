/**
 * The whole life of a ticket in the browser, across three logins: the college submits, the
 * committee dispatches, the department returns it, the committee re-dispatches, the department
 * accepts and asks for an extension that the committee approves, the department replies, the
 * committee revisits, the college scores, and the ticket shows 已办结 with its scores.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { act, allowedActions, choose, launchBrowser, login, openPage, textbox, ticketStatus, type UserPage } from './support'

const TITLE = `图书馆自习室座位预约系统经常崩溃 ${Date.now()}`
const DEPARTMENT = '教务处'

let browser: Browser
let college: UserPage
let committee: UserPage
let department: UserPage
let ticketPath = ''

beforeAll(async () => {
  browser = await launchBrowser()
  college = await openPage(browser, 'lifecycle/1-college')
  committee = await openPage(browser, 'lifecycle/2-committee')
  department = await openPage(browser, 'lifecycle/3-department')
  await Promise.all([login(college.page, 'cs_staff'), login(committee.page, 'committee_staff'), login(department.page, 'jwc_head')])
})

afterAll(async () => {
  await browser?.close()
})

/** Open the ticket (fresh from the server) and wait until it shows `status`. */
async function openTicket(page: Page, status: string): Promise<void> {
  await page.goto(ticketPath)
  await expect.poll(() => ticketStatus(page)).toBe(status)
}

/** The ticket as the server sends it on the next load of the page. */
async function reloadTicketJson(page: Page): Promise<Record<string, unknown>> {
  const res = page.waitForResponse(
    (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === `/api/v1${ticketPath}`,
  )
  await page.goto(ticketPath)
  return (await (await res).json()) as Record<string, unknown>
}

describe.sequential('ticket lifecycle across three logins', () => {
  test('the college submits a ticket with an attachment', async () => {
    const { page, shot } = college
    await shot('workbench')
    await page.goto('/tickets/new')
    await textbox(page, 'title').fill(TITLE)
    await textbox(page, 'content')
      .fill('晚上九点以后预约系统经常打不开，同学们只能到现场排队。<b>请尽快修复</b>')
    await page.locator('[data-test=file-input]').setInputFiles({
      name: '截图说明.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('21:05 打开预约页面，提示 502。\n', 'utf8'),
    })
    await shot('new-ticket-form')
    await page.locator('[data-test=submit]').click()
    // Issue 9: a result panel with 查看 / 继续新建 instead of an automatic jump.
    await page.locator('[data-test=result-view]').click()
    await page.waitForURL(/\/tickets\/\d+$/)
    ticketPath = new URL(page.url()).pathname
    await expect.poll(() => ticketStatus(page)).toBe('submitted')
    // User text is text, never HTML.
    await expect.poll(() => page.locator('[data-test=ticket-content]').textContent()).toContain('<b>请尽快修复</b>')
    expect(await page.locator('[data-test=ticket-content] b').count()).toBe(0)
    await expect.poll(() => page.locator('[data-test=attachments]').textContent()).toContain('截图说明.txt')
    expect(await allowedActions(page)).toEqual(['withdraw'])
    await shot('submitted')
  })

  test('the committee dispatches it to the department', async () => {
    const { page, shot } = committee
    await openTicket(page, 'submitted')
    expect(await allowedActions(page)).toEqual(expect.arrayContaining(['dispatch', 'reject', 'merge']))
    await act(page, 'dispatch', async (dialog) => {
      await choose(page, dialog.locator('[data-test=field-lead]'), DEPARTMENT)
      await textbox(dialog, 'field-note').fill('请核实夜间服务器负载。')
      await shot('dispatch-form')
    })
    await expect.poll(() => ticketStatus(page)).toBe('dispatched')
    await shot('dispatched')
  })

  test('the department returns it with a reason', async () => {
    const { page, shot } = department
    await openTicket(page, 'dispatched')
    expect((await allowedActions(page)).sort()).toEqual(expect.arrayContaining(['accept', 'return']))
    expect(await allowedActions(page)).not.toContain('dispatch')
    await act(page, 'return', async (dialog) => {
      await dialog.locator('[data-test=field-reason-code]').click()
      await page.locator('.el-select-dropdown__item:visible').first().click()
      await textbox(dialog, 'field-reason').fill('预约系统由信息化中心运维，建议改派。')
      await shot('return-form')
    })
    await expect.poll(() => ticketStatus(page)).toBe('submitted')
    await shot('returned')
  })

  test('the committee judges the return and dispatches it again', async () => {
    const { page, shot } = committee
    await openTicket(page, 'submitted')
    await act(page, 'judge_return', async (dialog) => {
      await dialog.locator('[data-test=field-reasonable] .el-radio').nth(1).click()
    })
    await act(page, 'dispatch', async (dialog) => {
      await choose(page, dialog.locator('[data-test=field-lead]'), DEPARTMENT)
      await textbox(dialog, 'field-note').fill('系统采购与考核由教务处负责，请牵头办理。')
    })
    await expect.poll(() => ticketStatus(page)).toBe('dispatched')
    await shot('re-dispatched')
  })

  test('the department accepts and asks for an extension', async () => {
    const { page, shot } = department
    await openTicket(page, 'dispatched')
    await act(page, 'accept')
    await expect.poll(() => ticketStatus(page)).toBe('accepted')
    await act(page, 'request_extension', async (dialog) => {
      await textbox(dialog, 'field-days').fill('2')
      await textbox(dialog, 'field-reason').fill('需要供应商排查，预计两个工作日。')
      await shot('extension-form')
    })
    await expect.poll(() => ticketStatus(page)).toBe('accepted')
    await shot('extension-requested')
    // The department's workbench shows the request waiting for the committee.
    await page.goto('/')
    const waiting = page.locator('[data-test="queue-extensionsWaiting"]')
    await expect.poll(() => waiting.locator('[data-test="queue-count"]').textContent()).toBe('1')
    await shot('workbench-extension-waiting')
  })

  test('the committee approves the extension and the reply deadline moves', async () => {
    const { page, shot } = committee
    // The request waits on the committee's workbench, with its reason.
    await page.goto('/')
    const queue = page.locator('[data-test="queue-extensions"]')
    await expect.poll(() => queue.locator('[data-test="queue-count"]').textContent()).toBe('1')
    await expect.poll(() => queue.locator('[data-test="extension"]').textContent()).toContain('供应商')
    await shot('workbench-extension')
    const before = await reloadTicketJson(page)
    await act(page, 'decide_extension', async (dialog) => {
      await expect.poll(() => dialog.locator('[data-test=pending-extension]').textContent()).toContain('供应商')
      await dialog.locator('[data-test=field-approved] .el-radio').first().click()
      await shot('extension-decision')
    })
    const after = await reloadTicketJson(page)
    expect(Date.parse(String(after.reply_due_at))).toBeGreaterThan(Date.parse(String(before.reply_due_at)))
    expect(after.extension_count).toBe(1)
    await shot('extension-approved')
  })

  test('the department replies', async () => {
    const { page, shot } = department
    await openTicket(page, 'accepted')
    await act(page, 'reply', async (dialog) => {
      await textbox(dialog, 'field-content')
        .fill('已与供应商扩容夜间服务器，并增加监控告警；自本周起预约系统 24 小时可用。')
      await shot('reply-form')
    })
    await expect.poll(() => ticketStatus(page)).toBe('replied')
    await shot('replied')
  })

  test('the committee revisits the college', async () => {
    const { page, shot } = committee
    await openTicket(page, 'replied')
    await act(page, 'revisit', async (dialog) => {
      await choose(page, dialog.locator('[data-test=field-method]'), '电话')
      await dialog.locator('[data-test=field-outcome] .el-radio').first().click()
      await textbox(dialog, 'field-note').fill('电话回访学院，反映问题已解决。')
    })
    await expect.poll(() => ticketStatus(page)).toBe('revisited')
    await shot('revisited')
  })

  test('the college scores it and it shows 已办结 with the scores', async () => {
    const { page, shot } = college
    await openTicket(page, 'revisited')
    expect(await allowedActions(page)).toContain('score')
    await act(page, 'score', async (dialog) => {
      await dialog.locator('[data-test=field-efficiency] .el-rate__item').nth(4).click()
      await dialog.locator('[data-test=field-handling] .el-rate__item').nth(3).click()
      await dialog.locator('[data-test=field-effect] .el-rate__item').nth(4).click()
      await textbox(dialog, 'field-comment').fill('处理及时，感谢！')
      await shot('score-form')
    })
    await expect.poll(() => ticketStatus(page)).toBe('closed')
    await expect.poll(() => page.locator('.head .status-tag').textContent()).toContain('已办结')
    const score = page.locator('[data-test=score]')
    expect(await score.locator('[data-test=score-efficiency]').getAttribute('data-value')).toBe('5')
    expect(await score.locator('[data-test=score-handling]').getAttribute('data-value')).toBe('4')
    expect(await score.locator('[data-test=score-effect]').getAttribute('data-value')).toBe('5')
    await expect.poll(() => score.textContent()).toContain('处理及时，感谢！')
    expect(await allowedActions(page)).toEqual([])
    // Every step is on the timeline, in order.
    const timeline = await page.locator('[data-test=timeline]').textContent()
    for (const label of ['派单', '退单', '签收', '延期', '答复', '回访', '评价']) expect(timeline).toContain(label)
    await shot('closed')
  })

  test('no page hit a script error', () => {
    expect([...college.errors, ...committee.errors, ...department.errors]).toEqual([])
  })
})
