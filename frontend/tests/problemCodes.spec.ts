import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '@/i18n'
import { problemMessage } from '@/api/problem'

// The codes the backend publishes: the ProblemCode enum of the committed openapi.json.
const spec = JSON.parse(readFileSync(join(process.cwd(), '..', 'openapi.json'), 'utf8'))
const codes: string[] = spec.components.schemas.ProblemCode.enum

describe('problem codes', () => {
  const zh = createAppI18n('zh-CN').global
  const en = createAppI18n('en').global

  it('reads the published enum', () => {
    expect(codes.length).toBeGreaterThan(50)
    expect(codes).toContain('validation_error')
  })

  it('has a zh-CN text for every code the server can answer', () => {
    const missing = codes.filter((code) => !zh.te(`errors.${code}`, 'zh-CN'))
    expect(missing).toEqual([])
    // Chinese, not an English text copied over.
    const notChinese = codes.filter((code) => !/[\u4e00-\u9fff]/.test(zh.t(`errors.${code}`)))
    expect(notChinese).toEqual([])
  })

  it('has an English text for every code the server can answer', () => {
    const missing = codes.filter((code) => !en.te(`errors.${code}`, 'en'))
    expect(missing).toEqual([])
  })

  it('shows the text, not the server detail, for every code', () => {
    for (const code of codes) {
      const problem = { code, detail: 'server detail', max_days: 3, retry_after: 30 }
      expect(problemMessage(problem, zh.t, zh.te), code).not.toBe('server detail')
      expect(problemMessage(problem, en.t, en.te), code).not.toBe('server detail')
    }
  })
})
