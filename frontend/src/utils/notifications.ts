import type { ApiClient } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { components } from '@/api/schema'

type S = components['schemas']
export type NotificationOut = S['NotificationOut']
export type NotificationPage = S['NotificationPage']
export type Preferences = S['Preferences']
export type NotifyEmail = S['NotifyEmail']

export const NOTIFY_EMAIL_CHOICES: readonly NotifyEmail[] = ['each', 'digest', 'none']
/** How often the header asks for the unread count (ms). */
export const UNREAD_POLL_MS = 60_000
export const PAGE_SIZE = 20

export async function fetchUnreadCount(client: ApiClient): Promise<number> {
  return unwrap(await client.GET('/api/v1/notifications/unread-count')).count
}

export async function fetchNotifications(
  client: ApiClient,
  opts: { unread?: boolean; cursor?: string | null; limit?: number } = {},
): Promise<NotificationPage> {
  const query: { limit: number; unread?: boolean; cursor?: string } = { limit: opts.limit ?? PAGE_SIZE }
  if (opts.unread !== undefined) query.unread = opts.unread
  if (opts.cursor) query.cursor = opts.cursor
  return unwrap(await client.GET('/api/v1/notifications', { params: { query } }))
}

export async function markRead(client: ApiClient, id: number): Promise<NotificationOut> {
  return unwrap(
    await client.POST('/api/v1/notifications/{notification_id}/read', {
      params: { path: { notification_id: id } },
    }),
  )
}

export async function markAllRead(client: ApiClient): Promise<number> {
  return unwrap(await client.POST('/api/v1/notifications/read-all')).updated
}

export async function fetchPreferences(client: ApiClient): Promise<Preferences> {
  return unwrap(await client.GET('/api/v1/me/preferences'))
}

export async function savePreferences(
  client: ApiClient,
  prefs: { email: string | null; notify_email: NotifyEmail },
): Promise<Preferences> {
  // An empty field removes the address.
  const email = prefs.email && prefs.email.trim() ? prefs.email.trim() : null
  return unwrap(await client.PATCH('/api/v1/me/preferences', { body: { email, notify_email: prefs.notify_email } }))
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
