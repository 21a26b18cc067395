import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/client'
import {
  ACTION_FIELDS,
  ACTION_NAMES,
  buildActionRequest,
  emptyForm,
  ifMatch,
  isStaleVersion,
  pickPendingExtension,
  pickUnjudgedReturn,
  runAction,
  sendAction,
  validateAction,
  applyDraft,
  draftOf,
  hasTypedText,
  type ActionForm,
  type ActionName,
} from '@/utils/actions'
import { ApiError } from '@/api/problem'
import { json, problem, stubFetch } from './helpers'

afterEach(() => {
  vi.unstubAllGlobals()
})

const form = (patch: Partial<ActionForm> = {}): ActionForm => ({ ...emptyForm(), ...patch })

describe('buildActionRequest', () => {
  const due = new Date('2030-05-06T07:08:09.000Z')
  const cases: Array<[ActionName, Partial<ActionForm>, object, string, unknown]> = [
    [
      'dispatch',
      { lead_department_id: 4, assisting_department_ids: [5, 4, 6, 5], note: '  please  ', reply_due_at: due },
      {},
      '/api/v1/tickets/9/dispatch',
      { lead_department_id: 4, assisting_department_ids: [5, 6], note: 'please', reply_due_at: '2030-05-06T07:08:09.000Z' },
    ],
    ['return', { reason_code: 'needs_info', reason: ' 缺少材料 ' }, {}, '/api/v1/tickets/9/return', { reason_code: 'needs_info', reason: '缺少材料' }],
    ['accept', {}, {}, '/api/v1/tickets/9/accept', undefined],
    ['note', { content: '进展', internal: true }, {}, '/api/v1/tickets/9/notes', { content: '进展', internal: true }],
    ['request_extension', { days: 3, reason: '需要协调' }, {}, '/api/v1/tickets/9/extensions', { days: 3, reason: '需要协调' }],
    [
      'decide_extension',
      { approved: true, note: '' },
      { extensionId: 31 },
      '/api/v1/tickets/9/extensions/31/decision',
      { approved: true, note: null },
    ],
    ['reply', { content: '已处理完毕' }, {}, '/api/v1/tickets/9/reply', { content: '已处理完毕' }],
    [
      'revisit',
      { method: 'phone', outcome: 'partly', note: '回访' },
      {},
      '/api/v1/tickets/9/revisit',
      { method: 'phone', outcome: 'partly', note: '回访' },
    ],
    ['reopen', { reason: '未解决' }, {}, '/api/v1/tickets/9/reopen', { reason: '未解决' }],
    [
      'score',
      { efficiency: 5, handling: 4, effect: 3, comment: '' },
      {},
      '/api/v1/tickets/9/score',
      { efficiency: 5, handling: 4, effect: 3, comment: null },
    ],
    ['close', { note: '' }, {}, '/api/v1/tickets/9/close', { note: null }],
    ['reject', { reason: '不属实' }, {}, '/api/v1/tickets/9/reject', { reason: '不属实' }],
    ['withdraw', {}, {}, '/api/v1/tickets/9/withdraw', undefined],
    ['merge', { primary_id: 3 }, {}, '/api/v1/tickets/9/merge', { primary_id: 3 }],
    ['urge', { note: '尽快' }, {}, '/api/v1/tickets/9/urge', { note: '尽快' }],
    ['assign', { handler_id: 12 }, {}, '/api/v1/tickets/9/assign', { handler_id: 12 }],
    [
      'judge_return',
      { reasonable: false, note: '应由本部门办理' },
      { returnId: 77 },
      '/api/v1/tickets/9/returns/77/judgement',
      { reasonable: false, note: '应由本部门办理' },
    ],
  ]

  it('covers every action', () => {
    expect(cases.map((c) => c[0]).sort()).toEqual([...ACTION_NAMES].sort())
  })

  // Sent through the typed API functions: the path, If-Match and body as they leave the browser.
  it.each(cases)('%s → path and body on the wire', async (action, patch, ctx, path, body) => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    const req = buildActionRequest(action, form(patch), ctx)
    expect(req.action).toBe(action)
    await sendAction(api, { id: 9, version: 5 }, req)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.path).toBe(path)
    expect(calls[0]!.headers.get('If-Match')).toBe('"5"')
    expect(calls[0]!.body ? JSON.parse(calls[0]!.body) : undefined).toEqual(body)
  })

  it('reopen sends the new deadline as an aware ISO timestamp', () => {
    const req = buildActionRequest('reopen', form({ reason: '再办', reply_due_at: due }))
    expect(req.action === 'reopen' && req.body).toEqual({ reason: '再办', reply_due_at: '2030-05-06T07:08:09.000Z' })
  })

  it('dispatch leaves reply_due_at out when not given', () => {
    const req = buildActionRequest('dispatch', form({ lead_department_id: 2 }))
    const body = req.action === 'dispatch' ? req.body : null
    expect(body).not.toHaveProperty('reply_due_at')
    expect(body).toMatchObject({ lead_department_id: 2, assisting_department_ids: [], note: null })
  })

  it('refuses to build from a form that skipped validation', () => {
    expect(() => buildActionRequest('dispatch', form())).toThrow(/lead_department_id/)
    expect(() => buildActionRequest('decide_extension', form({ approved: true }))).toThrow(/extensionId/)
  })
})

describe('validateAction', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')

  it('requires the lead department and a future deadline for dispatch', () => {
    expect(validateAction('dispatch', form(), {}, now)).toEqual({ lead_department_id: 'actionForms.errors.required' })
    expect(
      validateAction('dispatch', form({ lead_department_id: 1, reply_due_at: new Date(now - 1000) }), {}, now),
    ).toEqual({ reply_due_at: 'actionForms.errors.pastDate' })
    expect(validateAction('dispatch', form({ lead_department_id: 1, reply_due_at: new Date(now + 1000) }), {}, now)).toEqual({})
  })

  it('checks reasons, days and stars', () => {
    expect(validateAction('return', form({ reason: 'x' }))).toEqual({
      reason_code: 'actionForms.errors.required',
      reason: 'actionForms.errors.tooShort',
    })
    expect(validateAction('request_extension', form({ days: 4, reason: '理由充分' }))).toEqual({
      days: 'actionForms.errors.days',
    })
    expect(validateAction('request_extension', form({ days: 0, reason: '  ' }))).toEqual({
      days: 'actionForms.errors.days',
      reason: 'actionForms.errors.required',
    })
    expect(validateAction('score', form({ efficiency: 5, handling: 0, effect: 6 }))).toEqual({
      handling: 'actionForms.errors.rate',
      effect: 'actionForms.errors.rate',
    })
    expect(validateAction('reject', form({ reason: 'a'.repeat(2001) }))).toEqual({ reason: 'actionForms.errors.tooLong' })
    expect(validateAction('reply', form({ content: 'a'.repeat(6000) }))).toEqual({})
  })

  it('needs the looked-up ids for decide_extension and judge_return', () => {
    expect(validateAction('decide_extension', form({ approved: true }))).toEqual({ context: 'actionForms.noPendingExtension' })
    expect(validateAction('decide_extension', form({ approved: false }), { extensionId: 2 })).toEqual({})
    expect(validateAction('judge_return', form(), { returnId: 2 })).toEqual({ reasonable: 'actionForms.errors.required' })
  })

  it('refuses to merge a ticket into itself', () => {
    expect(validateAction('merge', form({ primary_id: 5 }), { ticketId: 5 })).toEqual({ primary_id: 'actionForms.errors.self' })
    expect(validateAction('merge', form({ primary_id: 4 }), { ticketId: 5 })).toEqual({})
  })

  it('confirm-only actions are always valid and have no fields', () => {
    expect(ACTION_FIELDS.accept).toEqual([])
    expect(ACTION_FIELDS.withdraw).toEqual([])
    expect(validateAction('accept', form())).toEqual({})
  })
})

describe('sendAction / runAction', () => {
  it('posts JSON with If-Match "<version>"', async () => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    await sendAction(api, { id: 9, version: 7 }, buildActionRequest('reply', form({ content: '答复内容' })))
    expect(calls).toHaveLength(1)
    expect(calls[0]!.method).toBe('POST')
    expect(calls[0]!.path).toBe('/api/v1/tickets/9/reply')
    expect(calls[0]!.headers.get('If-Match')).toBe('"7"')
    expect(ifMatch(7)).toBe('"7"')
    expect(JSON.parse(calls[0]!.body)).toEqual({ content: '答复内容' })
  })

  it('sends no body for accept', async () => {
    const { calls } = stubFetch(() => json({ id: 9 }))
    const out = await runAction(api, 'accept', { id: 9, version: 3 }, form())
    expect(out).toEqual({ kind: 'ok' })
    expect(calls[0]!.path).toBe('/api/v1/tickets/9/accept')
    expect(calls[0]!.headers.get('If-Match')).toBe('"3"')
    expect(calls[0]!.body).toBe('')
  })

  it('reports a 412 stale_version as stale', async () => {
    stubFetch(() => problem(412, 'stale_version', 'Ticket changed'))
    const out = await runAction(api, 'close', { id: 9, version: 2 }, form())
    expect(out).toEqual({ kind: 'stale' })
  })

  it('reports other problems with their body', async () => {
    stubFetch(() => problem(409, 'invalid_state', 'Not allowed now'))
    const out = await runAction(api, 'withdraw', { id: 9, version: 2 }, form())
    expect(out.kind).toBe('error')
    expect(out.kind === 'error' && out.problem?.code).toBe('invalid_state')
  })

  it('reports a network failure without a problem', async () => {
    stubFetch(() => {
      throw new TypeError('Failed to fetch')
    })
    const out = await runAction(api, 'urge', { id: 9, version: 2 }, form())
    expect(out).toEqual({ kind: 'error', problem: null })
  })

  it('reports a 409 concurrent_update as stale too (two writes raced on the server)', async () => {
    stubFetch(() => problem(409, 'concurrent_update', 'Ticket changed concurrently'))
    const out = await runAction(api, 'reply', { id: 9, version: 2 }, form({ content: '答复内容' }))
    expect(out).toEqual({ kind: 'stale' })
  })

  it('isStaleVersion recognises 412 and the codes', () => {
    expect(isStaleVersion(new ApiError({ code: 'stale_version' }, 412))).toBe(true)
    expect(isStaleVersion(new ApiError({ code: 'concurrent_update' }, 409))).toBe(true)
    expect(isStaleVersion(new ApiError({ code: 'invalid_state' }, 409))).toBe(false)
    expect(isStaleVersion(new Error('x'))).toBe(false)
  })
})

describe('look-up pickers', () => {
  it('picks the pending extension', () => {
    const list = [
      { id: 1, status: 'approved', created_at: '2030-01-01T00:00:00Z' },
      { id: 2, status: 'pending', created_at: '2030-01-02T00:00:00Z' },
      { id: 3, status: 'denied', created_at: '2030-01-03T00:00:00Z' },
    ]
    expect(pickPendingExtension(list)?.id).toBe(2)
    expect(pickPendingExtension(list.slice(0, 1))).toBeNull()
  })

  it('picks the newest unjudged return', () => {
    const list = [
      { id: 1, reasonable: null, created_at: '2030-01-01T00:00:00Z' },
      { id: 2, reasonable: true, created_at: '2030-01-05T00:00:00Z' },
      { id: 3, reasonable: null, created_at: '2030-01-03T00:00:00Z' },
    ]
    expect(pickUnjudgedReturn(list)?.id).toBe(3)
    expect(pickUnjudgedReturn([list[1]!])).toBeNull()
  })
})

describe('drafts of action forms', () => {
  it('counts only typed text of the action\'s own fields', () => {
    expect(hasTypedText('reply', form())).toBe(false)
    expect(hasTypedText('reply', form({ content: '   ' }))).toBe(false)
    expect(hasTypedText('reply', form({ content: '已处理' }))).toBe(true)
    // A note typed in another action's field does not make the reply dirty.
    expect(hasTypedText('reply', form({ note: 'x' }))).toBe(false)
    expect(hasTypedText('score', form({ efficiency: 5 }))).toBe(false)
    expect(hasTypedText('score', form({ comment: '很好' }))).toBe(true)
  })

  it('round-trips an action\'s fields through JSON, dates included', () => {
    const due = new Date('2030-05-06T07:08:09.000Z')
    const filled = form({ reason: '未解决', reply_due_at: due, content: 'not a reopen field' })
    const stored = JSON.parse(JSON.stringify(draftOf('reopen', filled)))
    expect(stored).toEqual({ reason: '未解决', reply_due_at: '2030-05-06T07:08:09.000Z' })
    const back = form()
    applyDraft('reopen', back, stored)
    expect(back.reason).toBe('未解决')
    expect(back.reply_due_at?.getTime()).toBe(due.getTime())
    expect(back.content).toBe('')
  })

  it('skips stored values of the wrong type or outside the schema\'s lists', () => {
    const back = form()
    applyDraft('return', back, { reason_code: 'made_up', reason: 42 })
    expect(back.reason_code).toBeNull()
    expect(back.reason).toBe('')
    applyDraft('return', back, { reason_code: 'duplicate', reason: '重复' })
    expect(back.reason_code).toBe('duplicate')
    expect(back.reason).toBe('重复')
    applyDraft('revisit', back, null)
    applyDraft('revisit', back, { method: 'phone', outcome: 'nope' })
    expect(back.method).toBe('phone')
    expect(back.outcome).toBeUndefined()
  })
})
