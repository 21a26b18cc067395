import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { createAppRouter } from '@/router'
import { installAuthHooks, useAuthStore } from '@/stores/auth'
import {
  IdempotencyKeeper,
  acceptFiles,
  anonymityOptions,
  buildTicketPayload,
  canFollowUp,
  emptyForm,
  mayRaiseOnBehalf,
  uploadFile,
} from '@/utils/newTicket'
import NewTicketView from '@/views/NewTicketView.vue'
import { ME, json, problem, stubFetch } from './helpers'

describe('anonymity options', () => {
  it('explain each tier in plain Chinese', () => {
    const t = createAppI18n('zh-CN').global.t as (k: string) => string
    const opts = anonymityOptions(t)
    expect(opts.map((o) => o.value)).toEqual(['named', 'department', 'full'])
    expect(opts[0]!.label).toBe('实名')
    expect(opts[1]!.hint).toBe('对职能部门匿名，机关党委可见以便回访。')
    expect(opts[2]!.hint).toContain('只有查询码能找回')
  })

  it('have English texts too', () => {
    const t = createAppI18n('en').global.t as (k: string) => string
    const opts = anonymityOptions(t)
    expect(opts[2]!.label).toBe('Fully anonymous')
    expect(opts.every((o) => o.hint && !o.hint.startsWith('newTicket.'))).toBe(true)
  })
})

describe('buildTicketPayload', () => {
  const form = {
    ...emptyForm(),
    title: '  食堂排队太久 ',
    content: ' 午餐高峰要排 30 分钟 ',
    categoryId: 4,
    urgency: 'urgent' as const,
    anonymity: 'full' as const,
    channel: 'hotline' as const,
    collegeId: 9,
    contact: ' 138 0000 0000 ',
  }

  it('leaves committee-only fields out for a college user', () => {
    const body = buildTicketPayload(form, false)
    expect(body).toEqual({
      title: '食堂排队太久',
      content: '午餐高峰要排 30 分钟',
      category_id: 4,
      urgency: 'urgent',
      anonymity: 'full',
    })
    expect('channel' in body).toBe(false)
    expect('college_id' in body).toBe(false)
    expect('contact' in body).toBe(false)
  })

  it('adds channel, college and contact for the committee', () => {
    const body = buildTicketPayload({ ...form, anonymity: 'department' }, true)
    expect(body.channel).toBe('hotline')
    expect(body.college_id).toBe(9)
    expect(body.contact).toBe('138 0000 0000')
  })

  it('adds the reporter and contact for a college only when raised on behalf', () => {
    const college = { ...form, anonymity: 'department' as const, reporterName: ' 李同学 ' }
    const own = buildTicketPayload({ ...college, onBehalf: false }, false)
    expect('reporter_name' in own).toBe(false)
    expect('contact' in own).toBe(false)
    const behalf = buildTicketPayload({ ...college, onBehalf: true }, false)
    expect(behalf.reporter_name).toBe('李同学')
    expect(behalf.contact).toBe('138 0000 0000')
    expect('channel' in behalf).toBe(false)
  })

  it('gives the committee form the reporter too', () => {
    const named = { ...form, anonymity: 'named' as const }
    const body = buildTicketPayload({ ...named, reporterName: '张老师' }, true)
    expect(body.reporter_name).toBe('张老师')
    expect(buildTicketPayload({ ...named, reporterName: '  ' }, true)).not.toHaveProperty('reporter_name')
  })

  it('never puts a reporter or contact on a fully anonymous ticket', () => {
    for (const isCommittee of [true, false]) {
      const body = buildTicketPayload({ ...form, onBehalf: true, reporterName: '李同学' }, isCommittee)
      expect(body.anonymity).toBe('full')
      expect(body).not.toHaveProperty('reporter_name')
      expect(body).not.toHaveProperty('contact')
    }
  })

  it('lets the committee and college heads raise it on behalf, not staff or departments', () => {
    expect(mayRaiseOnBehalf(true, false, 'staff')).toBe(true)
    expect(mayRaiseOnBehalf(false, true, 'head')).toBe(true)
    expect(mayRaiseOnBehalf(false, true, 'staff')).toBe(false)
    expect(mayRaiseOnBehalf(false, false, 'head')).toBe(false)
  })

  it('sends null category/college and no empty contact', () => {
    const body = buildTicketPayload({ ...emptyForm(), title: 'ab', content: 'cd' }, true)
    expect(body.category_id).toBeNull()
    expect(body.college_id).toBeNull()
    expect(body.channel).toBe('mailbox')
    expect(body.anonymity).toBe('department')
    expect('contact' in body).toBe(false)
  })
})

describe('form helpers', () => {
  it('reuses one Idempotency-Key per body and renews it on change or reset', () => {
    let n = 0
    const keeper = new IdempotencyKeeper(() => `k${++n}`)
    const a = { title: 'a' }
    expect(keeper.keyFor(a)).toBe('k1')
    expect(keeper.keyFor({ title: 'a' })).toBe('k1')
    expect(keeper.keyFor({ title: 'b' })).toBe('k2')
    keeper.reset()
    expect(keeper.keyFor({ title: 'b' })).toBe('k3')
  })

  it('knows who can open a fully anonymous ticket afterwards', () => {
    expect(canFollowUp('named', false, 'staff')).toBe(true)
    expect(canFollowUp('department', false, 'staff')).toBe(true)
    expect(canFollowUp('full', false, 'staff')).toBe(false)
    expect(canFollowUp('full', false, 'head')).toBe(true)
    expect(canFollowUp('full', true, 'staff')).toBe(true)
  })

  it('refuses too large files and files over the count', () => {
    const f = (name: string, size: number) => ({ name, size })
    const r = acceptFiles([f('a', 1)], [f('big', 11), f('b', 2), f('c', 3)], 10, 2)
    expect(r.keep.map((x) => x.name)).toEqual(['a', 'b'])
    expect(r.tooBig).toEqual(['big'])
    expect(r.overCount).toBe(true)
  })
})

class FakeXHR {
  static last: FakeXHR | null = null
  method = ''
  url = ''
  headers: Record<string, string> = {}
  sent: FormData | null = null
  status = 0
  responseText = ''
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  constructor() {
    FakeXHR.last = this
  }
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v
  }
  send(data: FormData) {
    this.sent = data
  }
}

describe('uploadFile', () => {
  it('posts multipart with the bearer token and reports progress', async () => {
    const seen: number[] = []
    const file = new File(['hello'], '说明.txt', { type: 'text/plain' })
    const p = uploadFile('/api/v1/tickets/5/attachments', file, 'TOK', (n) => seen.push(n), FakeXHR as never)
    const xhr = FakeXHR.last!
    expect(xhr.method).toBe('POST')
    expect(xhr.url).toBe('/api/v1/tickets/5/attachments')
    expect(xhr.headers.Authorization).toBe('Bearer TOK')
    expect((xhr.sent!.get('file') as File).name).toBe('说明.txt')
    xhr.upload.onprogress!({ lengthComputable: true, loaded: 50, total: 200 } as ProgressEvent)
    xhr.status = 201
    xhr.responseText = JSON.stringify({ id: 1, filename: '说明.txt' })
    xhr.onload!()
    const res = await p
    expect(res.ok).toBe(true)
    expect(seen).toEqual([25, 100])
    expect((res.body as { id: number }).id).toBe(1)
  })

  it('passes the problem body back on failure', async () => {
    const p = uploadFile('/x', new File(['x'], 'a.exe'), null, () => undefined, FakeXHR as never)
    const xhr = FakeXHR.last!
    expect(xhr.headers.Authorization).toBeUndefined()
    xhr.status = 422
    xhr.responseText = JSON.stringify({ code: 'bad_file_type', detail: 'no' })
    xhr.onload!()
    const res = await p
    expect(res).toEqual({ ok: false, status: 422, body: { code: 'bad_file_type', detail: 'no' } })
  })
})

describe('NewTicketView', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
    // jsdom has no scrolling; the page scrolls to the result panel in a browser (e2e checks it).
    vi.spyOn(window, 'scrollTo').mockImplementation(() => undefined)
  })
  afterEach(() => vi.unstubAllGlobals())

  async function mountAs(me: typeof ME, handler: Parameters<typeof stubFetch>[0]) {
    const stub = stubFetch((c) => (c.path === '/api/v1/me' ? json(me) : handler(c)))
    const pinia = createPinia()
    setActivePinia(pinia)
    const auth = useAuthStore()
    auth.setAccessToken('A1')
    installAuthHooks(auth, () => undefined)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/tickets/new')
    await router.isReady()
    expect(router.currentRoute.value.name).toBe('ticket-new')
    const wrapper = mount(NewTicketView, { global: { plugins: [pinia, router, createAppI18n('zh-CN')] } })
    await flushPromises()
    return { wrapper, router, ...stub }
  }

  it('a college user posts without committee fields, with an Idempotency-Key, and opens the ticket', async () => {
    const created = { id: 42, code: 'HY-1', anonymity: 'department', tracking_code: null }
    let attempts = 0
    const { wrapper, router, calls } = await mountAs(ME, (c) => {
      if (c.path === '/api/v1/categories') return json([{ id: 1, name: '后勤', default_department_id: null, is_active: true }])
      if (c.path === '/api/v1/tickets' && c.method === 'POST') {
        attempts += 1
        return attempts === 1 ? problem(503, 'busy', 'busy') : json(created, 201)
      }
      if (c.path === '/api/v1/tickets/42') return json({})
      return problem(404, 'not_found', 'x')
    })
    expect(wrapper.find('[data-test="channel"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="college"]').exists()).toBe(false)
    // Staff raise their own opinions (the backend refuses a reporter from them).
    expect(wrapper.find('[data-test="on-behalf"]').exists()).toBe(false)
    expect(calls.some((c) => c.path === '/api/v1/units')).toBe(false)

    await wrapper.find('[data-test="title"]').setValue('图书馆空调')
    await wrapper.find('[data-test="content"]').setValue('三楼空调不制冷')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="error"]').text()).toContain('服务器繁忙')

    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const posts = calls.filter((c) => c.path === '/api/v1/tickets' && c.method === 'POST')
    expect(posts).toHaveLength(2)
    const key = posts[0]!.headers.get('idempotency-key')
    expect(key).toBeTruthy()
    expect(posts[1]!.headers.get('idempotency-key')).toBe(key)
    const body = JSON.parse(posts[1]!.body)
    expect(body).toMatchObject({ title: '图书馆空调', content: '三楼空调不制冷', anonymity: 'department' })
    expect(body).not.toHaveProperty('channel')
    expect(body).not.toHaveProperty('college_id')
    expect(body).not.toHaveProperty('reporter_name')
    // The result panel, not a jump: 查看 opens the ticket.
    await vi.waitFor(() => expect(wrapper.find('[data-test="result"]').exists()).toBe(true))
    expect(wrapper.find('[data-test="result-code"]').text()).toContain('HY-1')
    expect(router.currentRoute.value.fullPath).toBe('/tickets/new')
    await wrapper.find('[data-test="result-view"]').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/tickets/42'), { timeout: 15_000 })
  }, 30_000)

  it('shows each field its own message and sends nothing while the form is invalid', async () => {
    const { wrapper, calls } = await mountAs(ME, (c) => (c.path === '/api/v1/categories' ? json([]) : problem(404, 'not_found', 'x')))
    await wrapper.find('[data-test="title"]').setValue(' a ')
    await wrapper.find('[data-test="content"]').setValue('x')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.findAll('.el-form-item__error')).toHaveLength(2))
    const errors = wrapper.findAll('.el-form-item.is-error')
    expect(errors[0]!.find('.el-form-item__error').text()).toBe('标题需 2–200 字')
    expect(errors[1]!.find('.el-form-item__error').text()).toBe('内容需 2–20000 字')
    await wrapper.find('[data-test="title"]').setValue('ok')
    await wrapper.find('[data-test="content"]').setValue('xy')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.findAll('.el-form-item.is-error')).toHaveLength(0))
    expect(calls.filter((c) => c.path === '/api/v1/tickets' && c.method === 'POST')).toHaveLength(1)
  }, 30_000)

  it('a college head raises it on behalf of someone, then 继续新建 gives an empty form', async () => {
    let n = 0
    const { wrapper, calls } = await mountAs({ ...ME, role: 'head' }, (c) => {
      if (c.path === '/api/v1/categories') return json([])
      if (c.path === '/api/v1/tickets' && c.method === 'POST') {
        n += 1
        return json({ id: 50 + n, code: `HY-5${n}`, anonymity: 'department', tracking_code: null }, 201)
      }
      return problem(404, 'not_found', 'x')
    })
    expect(wrapper.find('[data-test="reporter-fields"]').exists()).toBe(false)
    const full = () =>
      wrapper.findAll('[data-test="anonymity"] input[type="radio"]').find((i) => (i.element as HTMLInputElement).value === 'full')!
    await full().setValue(true)
    await wrapper.find('[data-test="on-behalf"]').trigger('click')
    expect(wrapper.find('[data-test="reporter-fields"]').exists()).toBe(true)
    // Raised for someone, it cannot be fully anonymous.
    expect((full().element as HTMLInputElement).disabled).toBe(true)
    expect((full().element as HTMLInputElement).checked).toBe(false)
    await wrapper.find('[data-test="title"]').setValue('宿舍网络')
    await wrapper.find('[data-test="content"]').setValue('晚上经常断网')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    // On behalf of whom must be said.
    await vi.waitFor(() => expect(wrapper.find('.el-form-item.is-error').text()).toContain('请填写反映人'))
    expect(calls.some((c) => c.path === '/api/v1/tickets' && c.method === 'POST')).toBe(false)

    await wrapper.find('[data-test="reporter-name"]').setValue('李同学')
    await wrapper.find('[data-test="contact"]').setValue('lixs@example.edu.cn')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const post = calls.find((c) => c.path === '/api/v1/tickets' && c.method === 'POST')!
    expect(JSON.parse(post.body)).toMatchObject({ reporter_name: '李同学', contact: 'lixs@example.edu.cn', anonymity: 'department' })
    await vi.waitFor(() => expect(wrapper.find('[data-test="result"]').exists()).toBe(true))

    await wrapper.find('[data-test="result-again"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test="result"]').exists()).toBe(false)
    expect((wrapper.find('[data-test="title"]').element as HTMLInputElement).value).toBe('')
    expect((wrapper.find('[data-test="content"]').element as HTMLTextAreaElement).value).toBe('')
    expect(wrapper.find('[data-test="reporter-fields"]').exists()).toBe(false)
    expect(wrapper.findAll('.el-form-item.is-error')).toHaveLength(0)
    // A new opinion is a new request, with a new Idempotency-Key.
    await wrapper.find('[data-test="title"]').setValue('第二条')
    await wrapper.find('[data-test="content"]').setValue('另一件事')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const posts = calls.filter((c) => c.path === '/api/v1/tickets' && c.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[1]!.headers.get('idempotency-key')).not.toBe(post.headers.get('idempotency-key'))
    expect(JSON.parse(posts[1]!.body)).not.toHaveProperty('reporter_name')
    wrapper.unmount()
  }, 30_000)

  it('the committee sees channel and college, and a full-anonymity code is shown once', async () => {
    const committee = { ...ME, unit: { id: 1, kind: 'committee', name: '机关党委', code: 'jgdw' } }
    const created = { id: 7, code: 'HY-7', anonymity: 'full', tracking_code: 'TRACK-1234-ABCD' }
    const { wrapper, calls } = await mountAs(committee, (c) => {
      if (c.path === '/api/v1/categories') return json([])
      if (c.path === '/api/v1/units') return json([{ id: 9, kind: 'college', name: '计算机学院', code: 'cs', is_active: true }])
      if (c.path === '/api/v1/tickets' && c.method === 'POST') return json(created, 201)
      return problem(404, 'not_found', 'x')
    })
    // The committee picks a college, so it loads the shared unit list (once, inactive ones
    // included; the select offers the active colleges).
    const units = calls.filter((c) => c.path === '/api/v1/units')
    expect(units).toHaveLength(1)
    expect(new URL(units[0]!.url).searchParams.get('include_inactive')).toBe('true')
    expect(wrapper.find('[data-test="channel"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="college"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="reporter-fields"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="on-behalf"]').exists()).toBe(false)

    await wrapper.find('[data-test="title"]').setValue('热线反映')
    await wrapper.find('[data-test="content"]').setValue('宿舍热水不稳定')
    const full = wrapper.findAll('[data-test="anonymity"] input[type="radio"]').find((i) => (i.element as HTMLInputElement).value === 'full')!
    await full.setValue(true)
    expect(wrapper.find('[data-test="reporter-fields"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="full-no-reporter"]').exists()).toBe(true)
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const post = calls.find((c) => c.path === '/api/v1/tickets' && c.method === 'POST')!
    expect(JSON.parse(post.body)).toMatchObject({ channel: 'mailbox', college_id: null, anonymity: 'full' })
    await vi.waitFor(() => expect(wrapper.find('[data-test="tracking-code"]').text()).toBe('TRACK-1234-ABCD'), {
      timeout: 5_000,
    })
    expect(wrapper.find('[data-test="lookup-link"]').attributes('href')).toMatch(/\/public\/lookup\?code=TRACK-1234-ABCD$/)
    // The committee can open a fully anonymous ticket; the form had the reporter fields.
    expect(wrapper.find('[data-test="result-view"]').exists()).toBe(true)
    wrapper.unmount()
  }, 30_000)
})
