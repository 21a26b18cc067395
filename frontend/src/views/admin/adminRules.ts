import type { FormItemRule, FormRules } from 'element-plus'
import { rulesFor } from '@/composables/useFormRules'
import type { Translate } from './adminError'

/**
 * The el-form rules of the admin forms, built from the API's own limits (src/api/limits.ts,
 * generated from openapi.json: UnitCreate, UserCreate, CategoryCreate, CalendarDayIn …), so a
 * form the rules pass is one the server takes, apart from clashes with existing rows (those come
 * back as problems and show in the dialog). Each field gets its own message.
 */

/** Not in the generated limits (a `format`, not a limit): the server checks it as an email. */
function email(t: Translate): FormItemRule {
  return { type: 'email', message: () => t('adminPages.rules.emailInvalid'), trigger: ['blur', 'change'] }
}

export function unitRules(t: Translate): FormRules {
  return rulesFor('UnitCreate', t, {
    kind: { label: () => t('admin.kind'), requiredMessage: 'forms.rules.choose', trigger: 'change' },
    name: { label: () => t('admin.name') },
    code: { label: () => t('admin.code'), patternMessage: 'adminPages.rules.codePattern' },
  })
}

export function categoryRules(t: Translate): FormRules {
  return rulesFor('CategoryCreate', t, { name: { label: () => t('admin.name') } })
}

/** Username and password only when creating: an existing user's name is fixed, and a password
 * is changed in its own dialog. */
export function userRules(t: Translate, creating: boolean): FormRules {
  const shared = rulesFor('UserCreate', t, {
    display_name: { label: () => t('admin.displayName') },
    unit_id: { label: () => t('admin.unit'), requiredMessage: 'forms.rules.choose', trigger: 'change' },
  })
  const rules: FormRules = { ...shared, email: [email(t)] }
  if (creating) {
    Object.assign(
      rules,
      rulesFor('UserCreate', t, {
        username: { label: () => t('admin.username'), patternMessage: 'adminPages.rules.usernamePattern' },
        password: { label: () => t('admin.password') },
      }),
    )
  }
  return rules
}

/** The reset-password dialog: the same limits as a new user's password. */
export function passwordRules(t: Translate): FormRules {
  return rulesFor('UserCreate', t, { password: { label: () => t('admin.newPassword') } })
}

export function calendarDayRules(t: Translate): FormRules {
  return rulesFor('CalendarDayIn', t, {
    date: { label: () => t('admin.date'), requiredMessage: 'forms.rules.choose', trigger: 'change' },
    note: { label: () => t('admin.note') },
  })
}

export function slaRules(t: Translate): FormRules {
  return rulesFor('SlaPolicyCreate', t, { note: { label: () => t('sla.note') } })
}
