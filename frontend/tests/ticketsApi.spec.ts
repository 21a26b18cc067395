import { describe, expect, it } from 'vitest'
import { createApiClient } from '@/api/client'
import { attachmentForm, downloadAttachment, uploadAttachment } from '@/api/tickets'

function clientAnswering(answer: (req: Request) => Promise<Response>) {
  return createApiClient({
    baseUrl: 'http://huiyin.test',
    fetch: answer,
    hooks: { getAccessToken: () => 'A1', setAccessToken: () => undefined, onAuthFailure: () => undefined },
  })
}

describe('ticket attachments API', () => {
  it('uploads the file itself under "file", with its name', async () => {
    const photo = new File([new Uint8Array([137, 80, 78, 71])], '照片.png', { type: 'image/png' })
    const sent = attachmentForm(photo).get('file') as File
    expect(sent.name).toBe('照片.png')
    expect(new Uint8Array(await sent.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71]))
    // The request itself (jsdom's File cannot travel through Node's fetch, so only its line).
    let seen = ''
    const client = clientAnswering(async (req) => {
      seen = `${req.method} ${new URL(req.url).pathname} ${req.headers.get('Content-Type')?.split(';')[0]}`
      return Response.json({ id: 3, filename: '照片.png', content_type: 'image/png', size: 4, created_at: '2030-01-01T00:00:00Z' }, { status: 201 })
    })
    expect((await uploadAttachment(9, photo, client)).id).toBe(3)
    expect(seen).toBe('POST /api/v1/tickets/9/attachments multipart/form-data')
  })

  it('downloads an attachment as a Blob', async () => {
    let path = ''
    const client = clientAnswering(async (req) => {
      path = new URL(req.url).pathname
      return new Response(new Uint8Array([1, 2, 3]), { headers: { 'Content-Type': 'application/pdf' } })
    })
    const blob = await downloadAttachment(9, 4, client)
    expect(path).toBe('/api/v1/tickets/9/attachments/4')
    expect(blob.size).toBe(3)
  })
})
