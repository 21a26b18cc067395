import type { components } from '@/api/schema'

export type ExtensionOut = components['schemas']['ExtensionOut']

/** Tag colour of an extension request's state: waiting stands out, an ended one is grey. */
export function extensionTagType(status: ExtensionOut['status']): 'warning' | 'success' | 'danger' | 'info' {
  switch (status) {
    case 'pending':
      return 'warning'
    case 'approved':
      return 'success'
    case 'denied':
      return 'danger'
    default:
      return 'info'
  }
}
