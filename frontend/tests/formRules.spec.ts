import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { ElForm, ElFormItem, ElInput, type FormInstance, type FormItemRule } from 'element-plus'
import { bodyLimits, paramLimits } from '@/api/limits'
import { createAppI18n } from '@/i18n'
import {
  bodyLimit,
  checkValue,
  fieldRule,
  paramLimit,
  rulesFor,
  textLength,
  validateAndScroll,
} from '@/composables/useFormRules'
// The generator the build runs; the committed file must be what it renders from openapi.json.
import { renderLimits } from '../scripts/gen-limits.mjs'

const spec = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8'))
const zh = createAppI18n('zh-CN').global.t as (k: string, p?: Record<string, unknown>) => string
const en = createAppI18n('en').global.t as (k: string, p?: Record<string, unknown>) => string

function run(rule: FormItemRule, value: unknown): string {
  let message = ''
  const validator = rule.validator as (r: unknown, v: unknown, cb: (e?: Error) => void) => void
  validator(rule, value, (e) => {
    message = e?.message ?? ''
  })
  return message
}

describe('limits generated from openapi.json', () => {
  it('are the committed src/api/limits.ts', () => {
    const committed = readFileSync(join(__dirname, '../src/api/limits.ts'), 'utf8')
    expect(renderLimits(spec)).toBe(committed)
  })

  it('carry the API body and path limits the forms rely on', () => {
    const title = spec.components.schemas.TicketCreate.properties.title
    expect(bodyLimit('TicketCreate', 'title')).toEqual({ required: true, minLength: title.minLength, maxLength: title.maxLength })
    expect(bodyLimit('PublicTicketCreate', 'contact').maxLength).toBe(
      spec.components.schemas.PublicTicketCreate.properties.contact.anyOf[0].maxLength,
    )
    const code = spec.paths['/api/v1/public/tickets/{code}'].get.parameters.find((p: { name: string }) => p.name === 'code')
    expect(paramLimit('/api/v1/public/tickets/{code}', 'code')).toEqual({ minLength: code.schema.minLength, maxLength: code.schema.maxLength })
    // Every body listed is a request body of some operation.
    expect(Object.keys(bodyLimits)).toContain('UserCreate')
    expect(Object.keys(paramLimits)).toContain('/api/v1/public/tickets/{code}/score')
  })
})

describe('checkValue', () => {
  const title = { required: true, minLength: 2, maxLength: 200 }

  it('counts trimmed code points as the server does', () => {
    expect(textLength('  ab  ')).toBe(2)
    expect(textLength('𠮷野')).toBe(2)
    expect(checkValue(' a ', title)?.key).toBe('forms.rules.lengthBetween')
    expect(checkValue('𠮷野', title)).toBeNull()
  })

  it('treats an empty optional field as fine and an empty required one as missing', () => {
    expect(checkValue('   ', { maxLength: 200 })).toBeNull()
    expect(checkValue(null, { maxLength: 200 })).toBeNull()
    expect(checkValue('   ', title)?.key).toBe('forms.rules.required')
    expect(checkValue('', { maxLength: 50 }, true)?.key).toBe('forms.rules.required')
  })

  it('reports too long, too short, bad pattern and out-of-range numbers', () => {
    expect(checkValue('x'.repeat(51), { maxLength: 50 })).toEqual({ key: 'forms.rules.maxLength', params: { max: 50, n: 51 } })
    expect(checkValue('ab', { minLength: 3 })).toEqual({ key: 'forms.rules.minLength', params: { min: 3 } })
    expect(checkValue('a b', { pattern: '^[A-Za-z0-9_-]+$' })?.key).toBe('forms.rules.pattern')
    expect(checkValue('a_b-1', { pattern: '^[A-Za-z0-9_-]+$' })).toBeNull()
    expect(checkValue(0, { minimum: 1, maximum: 9 })?.key).toBe('forms.rules.between')
    expect(checkValue(5, { minimum: 1, maximum: 9 })).toBeNull()
  })
})

describe('fieldRule / rulesFor', () => {
  it('name the field in its own message, in the current language', () => {
    const rules = rulesFor('TicketCreate', zh, {
      title: { label: () => '标题' },
      reporterName: { field: 'reporter_name', label: () => '反映人', required: true },
    })
    expect(rules.title[0]!.required).toBe(true)
    expect(run(rules.title[0]!, '')).toBe('请填写标题')
    expect(run(rules.title[0]!, 'a')).toBe('标题需 2–200 字')
    expect(run(rules.title[0]!, '好的')).toBe('')
    const max = bodyLimit('TicketCreate', 'reporter_name').maxLength!
    expect(run(rules.reporterName[0]!, '')).toBe('请填写反映人')
    expect(run(rules.reporterName[0]!, '李'.repeat(max + 1))).toBe(`反映人最多 ${max} 字，现有 ${max + 1} 字`)
    const english = fieldRule({ minLength: 2, maxLength: 200 }, () => 'Title', en)
    expect(run(english, 'a')).toBe('Title must be 2–200 characters')
  })

  it('let a form choose its own message for a pattern or an empty select', () => {
    const rule = fieldRule({ required: true, pattern: '^[a-z]+$' }, () => '代码', zh, {
      patternMessage: 'admin.codeHint',
      requiredMessage: 'forms.rules.choose',
    })
    expect(run(rule, 'A B')).toBe(zh('admin.codeHint'))
    expect(run(rule, null)).toBe('请选择代码')
  })
})

describe('validateAndScroll', () => {
  // Two fields; the second is invalid, so the page must go to it, not to the form's top.
  const Form = defineComponent({
    setup(_, { expose }) {
      const formRef = ref<FormInstance>()
      const model = reactive({ title: '足够长的标题', content: '' })
      const rules = rulesFor('TicketCreate', zh, { title: { label: () => '标题' }, content: { label: () => '内容' } })
      expose({ check: () => validateAndScroll(formRef.value), model })
      return () =>
        h(ElForm, { ref: formRef, model, rules }, () => [
          h(ElFormItem, { label: '标题', prop: 'title', class: 'f-title' }, () => h(ElInput, { modelValue: model.title })),
          h(ElFormItem, { label: '内容', prop: 'content', class: 'f-content' }, () => h(ElInput, { modelValue: model.content })),
        ])
    },
  })

  it('scrolls the first invalid field into view and focuses its input; true once valid', async () => {
    const seen: Element[] = []
    // jsdom has no scrollIntoView (no layout); record what would be scrolled (e2e checks the real scroll).
    const proto = Element.prototype as { scrollIntoView?: unknown }
    proto.scrollIntoView = function (this: Element) {
      seen.push(this)
    }
    const w = mount(Form, { attachTo: document.body })
    const vm = w.vm as unknown as { check: () => Promise<boolean>; model: { content: string } }
    expect(await vm.check()).toBe(false)
    await flushPromises()
    expect(seen).toHaveLength(1)
    expect(seen[0]!.classList.contains('f-content')).toBe(true)
    expect(document.activeElement).toBe(w.find('.f-content input').element)
    await vi.waitFor(() => expect(w.find('.f-content .el-form-item__error').text()).toBe('请填写内容'))
    expect(w.find('.f-title').classes()).not.toContain('is-error')

    vm.model.content = '有内容了'
    expect(await vm.check()).toBe(true)
    expect(seen).toHaveLength(1)
    delete proto.scrollIntoView
    w.unmount()
  })

  it('is false without a form', async () => {
    expect(await validateAndScroll(undefined)).toBe(false)
  })
})
