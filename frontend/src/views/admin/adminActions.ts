import { ref, type Ref } from 'vue'
import { adminError, type Translate } from './adminError'

// ElMessage / ElMessageBox are auto-imported (with their styles) by unplugin-auto-import.

/** Asks before a destructive change; false when the user backs out. */
export async function confirmWarning(t: Translate, message: string, title: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: t('admin.confirm'),
      cancelButtonText: t('admin.cancel'),
    })
    return true
  } catch {
    return false
  }
}

/** One change made from a list row: a success message and a reload, or the error as a message. */
export async function applyAndReload(
  t: Translate,
  te: (key: string) => boolean,
  change: () => Promise<unknown>,
  reload: () => Promise<void>,
): Promise<void> {
  try {
    await change()
    ElMessage.success(t('admin.saved'))
    await reload()
  } catch (e) {
    ElMessage.error(adminError(e, t, te))
  }
}

/** Activates or deactivates a row; deactivating asks first. */
export async function toggleActive(
  t: Translate,
  te: (key: string) => boolean,
  name: string,
  active: boolean,
  patch: () => Promise<unknown>,
  reload: () => Promise<void>,
): Promise<void> {
  if (!active && !(await confirmWarning(t, t('admin.confirmDeactivate', { name }), t('admin.deactivate')))) return
  await applyAndReload(t, te, patch, reload)
}

export interface DialogState {
  dialog: Ref<boolean>
  saving: Ref<boolean>
  formError: Ref<string>
}

/** A closed dialog's state; `open` clears the last error and shows it. */
export function useDialogState(): DialogState & { open: () => void } {
  const state = { dialog: ref(false), saving: ref(false), formError: ref('') }
  function open() {
    state.formError.value = ''
    state.dialog.value = true
  }
  return { ...state, open }
}

/**
 * Saves a dialog's form. `save` may return false to stop without closing (a check failed and
 * it set formError); a refused request shows its message in the dialog.
 */
export async function submitDialog(
  t: Translate,
  te: (key: string) => boolean,
  state: DialogState,
  save: () => Promise<unknown>,
  reload: () => Promise<void>,
): Promise<void> {
  state.saving.value = true
  state.formError.value = ''
  try {
    if ((await save()) === false) return
    state.dialog.value = false
    ElMessage.success(t('admin.saved'))
    await reload()
  } catch (e) {
    state.formError.value = adminError(e, t, te)
  } finally {
    state.saving.value = false
  }
}
