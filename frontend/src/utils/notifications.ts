/** Pure helpers for notices; the calls themselves are in `@/api/notifications`. */
import type { NotificationGroup, NotificationOut, NotifyEmail } from '@/api/notifications'

export type { NotificationGroup, NotificationOut, NotifyEmail } from '@/api/notifications'

export const NOTIFY_EMAIL_CHOICES: readonly NotifyEmail[] = ['each', 'digest', 'none']
/** How often the header asks for the unread count (ms); never while the tab is hidden. */
export const UNREAD_POLL_MS = 60_000

// A record keyed by the schema's enum: a group added on the server fails the type check here
// until it gets its place among the tabs.
const GROUP_ORDER: Record<NotificationGroup, number> = { todo: 1, overdue: 2, supervision: 3, other: 4 }

/** The notice tabs in display order: 待办, 超期, 督办, 其他. */
export const NOTIFICATION_GROUPS: readonly NotificationGroup[] = (Object.keys(GROUP_ORDER) as NotificationGroup[]).sort(
  (a, b) => GROUP_ORDER[a] - GROUP_ORDER[b],
)

export function isNotificationGroup(value: unknown): value is NotificationGroup {
  return typeof value === 'string' && Object.hasOwn(GROUP_ORDER, value)
}

/** The in-app route of a notification's link (only paths inside the app are followed). */
export function routeOf(n: Pick<NotificationOut, 'link'>): string | null {
  return n.link && n.link.startsWith('/') && !n.link.startsWith('//') ? n.link : null
}

/** Mark `id` read in a loaded list without reloading it; returns how many became read. */
export function applyRead(items: NotificationOut[], id: number, readAt: string): number {
  const item = items.find((n) => n.id === id)
  if (!item || item.read_at) return 0
  item.read_at = readAt
  return 1
}
