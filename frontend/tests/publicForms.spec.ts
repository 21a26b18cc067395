import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n } from '@/i18n'
import { createAppRouter } from '@/router'
import PublicLookupView from '@/views/public/PublicLookupView.vue'
import PublicSubmitView from '@/views/public/PublicSubmitView.vue'
import { json, problem, stubFetch, type Call } from './helpers'

const CODE = 'Q7K2-M9XP-4TRW-8HNB'

/** Answers each upload with the next of `answers` (status, body). */
function fakeXhr(answers: Array<[number, unknown]>) {
  const sent: Array<{ url: string; headers: Record<string, string>; file: File }> = []
  class FakeXHR {
    url = ''
    headers: Record<string, string> = {}
    status = 0
    responseText = ''
    upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null }
    onload: (() => void) | null = null
    onerror: (() => void) | null = null
    onabort: (() => void) | null = null
    open(_method: string, url: string) {
      this.url = url
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k] = v
    }
    send(data: FormData) {
      sent.push({ url: this.url, headers: this.headers, file: data.get('file') as File })
      const [status, body] = answers[sent.length - 1] ?? [500, null]
      setTimeout(() => {
        this.status = status
        this.responseText = JSON.stringify(body)
        this.onload?.()
      }, 0)
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  return sent
}

async function mountAt(path: string, component: typeof PublicSubmitView | typeof PublicLookupView) {
  setActivePinia(createPinia())
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  await router.isReady()
  const w = mount(component, { global: { plugins: [router, createAppI18n('zh-CN')] }, attachTo: document.body })
  await flushPromises()
  return { w, router }
}

beforeEach(() => {
  vi.spyOn(window, 'scrollTo').mockImplementation(() => undefined)
  // jsdom has no object URLs; el-upload makes one per picture for its preview.
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:preview', revokeObjectURL: () => undefined }))
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('PublicSubmitView', () => {
  it('marks the empty required fields with their own messages and sends nothing', async () => {
    const stub = stubFetch(() => problem(500, 'x', 'x'))
    const { w } = await mountAt('/public/submit', PublicSubmitView)
    await w.find('[data-test=public-form]').trigger('submit')
    await flushPromises()
    await vi.waitFor(() => expect(w.findAll('.el-form-item__error').map((e) => e.text())).toEqual(['请填写标题', '请填写内容']))
    expect(stub.calls).toHaveLength(0)
  })

  it('shows the code, its link and QR at once, then uploads the photos and reports each failure', async () => {
    const stub = stubFetch((c: Call) =>
      c.method === 'POST' && c.path === '/api/v1/public/tickets'
        ? json({ code: CODE, ticket_code: 'HY-2026-000007', status: 'submitted', created_at: '2026-03-02T10:00:00+08:00' }, 201)
        : problem(404, 'not_found', 'x'),
    )
    const sent = fakeXhr([
      [201, { id: 1, filename: 'photo-1.jpg', content_type: 'image/jpeg', size: 1200 }],
      [422, { code: 'not_an_image', detail: 'Not a picture.' }],
    ])
    const { w } = await mountAt('/public/submit', PublicSubmitView)
    await w.find('[data-test=public-title]').setValue('操场灯坏了')
    await w.find('[data-test=public-content]').setValue('东操场北侧三盏灯不亮')

    const input = w.find('[data-test=photos] input[type=file]')
    const pick = async (files: File[]) => {
      Object.defineProperty(input.element, 'files', { value: files, configurable: true })
      await input.trigger('change')
      await flushPromises()
    }
    await pick([new File(['x'], '说明.txt', { type: 'text/plain' })])
    expect(w.find('[data-test=photo-notice]').text()).toContain('“说明.txt”不是 JPG、PNG 或 WebP 图片')
    await pick([new File(['a'], 'a.png', { type: 'image/png' }), new File(['b'], 'b.jpg', { type: 'image/jpeg' })])
    expect(w.findAll('[data-test=photos] .el-upload-list__item')).toHaveLength(2)

    await w.find('[data-test=public-form]').trigger('submit')
    await flushPromises()
    expect(JSON.parse(stub.calls[0]!.body)).toEqual({ title: '操场灯坏了', content: '东操场北侧三盏灯不亮', contact: null })
    await vi.waitFor(() => expect(w.find('[data-test=tracking-code]').text()).toBe(CODE))
    const link = w.find('[data-test=lookup-link]').attributes('href')!
    expect(new URL(link).pathname).toBe('/public/lookup')
    expect(new URL(link).searchParams.get('code')).toBe(CODE)
    await vi.waitFor(() => expect(w.find('[data-test=qr] path').attributes('d')).toMatch(/^M\d+ \d+h1v1h-1z/))

    await vi.waitFor(() => expect(sent).toHaveLength(2))
    expect(sent.map((s) => s.url)).toEqual([
      `/api/v1/public/tickets/${encodeURIComponent(CODE)}/attachments`,
      `/api/v1/public/tickets/${encodeURIComponent(CODE)}/attachments`,
    ])
    expect(sent.map((s) => s.file.name)).toEqual(['a.png', 'b.jpg'])
    expect(sent[0]!.headers.Authorization).toBeUndefined()
    await vi.waitFor(() => expect(w.findAll('[data-test=photo-error]').map((e) => e.text())).toEqual(['照片 2 上传失败：只能添加照片（JPG、PNG 或 WebP 格式）。']))
    expect(w.find('[data-test=tracking-code]').text()).toBe(CODE)
    // Nothing but the ticket itself went to the server by fetch: the QR is drawn here.
    expect(stub.calls).toHaveLength(1)

    // A retry sends only the failed photo.
    const retried = fakeXhr([[201, { id: 2, filename: 'photo-2.jpg', content_type: 'image/jpeg', size: 900 }]])
    await w.find('.photo-status__retry').trigger('click')
    await vi.waitFor(() => expect(w.findAll('[data-test=photo-error]')).toHaveLength(0))
    expect(retried.map((s) => s.file.name)).toEqual(['b.jpg'])
  }, 30_000)
})

describe('PublicLookupView', () => {
  it('says a wrong code is wrong', async () => {
    stubFetch(() => problem(404, 'unknown_tracking_code', 'Unknown tracking code.'))
    const { w } = await mountAt('/public/lookup?code=WRONGCODE123', PublicLookupView)
    await vi.waitFor(() => expect(w.find('[data-test=lookup-error]').text()).toContain('查询码有误，请核对'))
    expect(w.find('[data-test=lookup-result]').exists()).toBe(false)
  })

  it('checks the length before asking, and keeps the code in the address', async () => {
    const stub = stubFetch(() =>
      json({
        ticket_code: 'HY-2026-000007',
        title: '操场灯坏了',
        content: '东操场北侧三盏灯不亮',
        status: 'submitted',
        created_at: '2026-03-02T10:00:00+08:00',
        updated_at: '2026-03-02T10:00:00+08:00',
        reply: null,
        revisit_outcome: null,
        reject_reason: null,
        score: null,
        can_score: false,
        merged_into: null,
        photos: 2,
      }),
    )
    const { w, router } = await mountAt('/public/lookup', PublicLookupView)
    await w.find('[data-test=lookup-code]').setValue('short')
    await w.find('[data-test=lookup-form]').trigger('submit')
    await vi.waitFor(() => expect(w.find('.el-form-item__error').text()).toBe('查询码需 8–40 字'))
    expect(stub.calls).toHaveLength(0)

    await w.find('[data-test=lookup-code]').setValue(` ${CODE} `)
    await w.find('[data-test=lookup-form]').trigger('submit')
    await vi.waitFor(() => expect(w.find('[data-test=lookup-result]').text()).toContain('操场灯坏了'))
    expect(stub.calls[0]!.path).toBe(`/api/v1/public/tickets/${CODE}`)
    expect(router.currentRoute.value.query.code).toBe(CODE)
    expect(w.find('[data-test=lookup-photos]').text()).toBe('已附照片 2 张')
  })
})
