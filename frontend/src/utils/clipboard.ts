/**
 * Copy text to the clipboard: the Clipboard API where the page may use it (a secure context),
 * else a hidden textarea and execCommand('copy') (plain http on a campus LAN, older phones).
 * False when neither worked; the caller then asks the user to copy by hand.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    // Undefined outside a secure context, whatever the DOM typings say.
    const clipboard: Clipboard | undefined = globalThis.navigator?.clipboard
    if (clipboard) {
      await clipboard.writeText(text)
      return true
    }
  } catch {
    /* denied or not focused: try the old way */
  }
  return copyWithTextarea(text)
}

function copyWithTextarea(text: string): boolean {
  if (typeof document === 'undefined') return false
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  // Off screen but selectable; fixed so the page does not jump.
  area.style.position = 'fixed'
  area.style.top = '0'
  area.style.left = '-9999px'
  document.body.appendChild(area)
  const active = document.activeElement as HTMLElement | null
  try {
    area.select()
    area.setSelectionRange(0, text.length)
    return typeof document.execCommand === 'function' && document.execCommand('copy')
  } catch {
    return false
  } finally {
    area.remove()
    active?.focus?.()
  }
}
