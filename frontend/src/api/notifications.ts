/**
 * The notifications API, one typed function per call. Types come from the generated schema, so a
 * renamed backend field fails the type check here instead of at run time.
 */
import { api, type ApiClient } from './client'
import { unwrap } from './problem'
import type { components, paths } from './schema'

type S = components['schemas']
export type NotificationOut = S['NotificationOut']
export type NotificationPage = S['NotificationPage']
export type Preferences = S['Preferences']
export type NotifyEmail = S['NotifyEmail']
type ListQuery = NonNullable<paths['/api/v1/notifications']['get']['parameters']['query']>
/** The tab a notice belongs to (待办, 超期, 督办, 其他), decided by the server from its kind. */
export type NotificationGroup = NonNullable<ListQuery['group']>
export type NotificationSummary =
  paths['/api/v1/notifications/summary']['get']['responses'][200]['content']['application/json']
export type NotificationBatch = NotificationSummary['batches'][number]

export const PAGE_SIZE = 20

export async function fetchUnreadCount(client: ApiClient = api): Promise<number> {
  return unwrap(await client.GET('/api/v1/notifications/unread-count')).count
}

export interface NotificationQuery {
  unread?: boolean
  group?: NotificationGroup
  cursor?: string | null
  limit?: number
  /** Aborts the request (a newer list load replaces it). */
  signal?: AbortSignal
}

export async function fetchNotifications(
  opts: NotificationQuery = {},
  client: ApiClient = api,
): Promise<NotificationPage> {
  const query: ListQuery = { limit: opts.limit ?? PAGE_SIZE }
  if (opts.unread !== undefined) query.unread = opts.unread
  if (opts.group) query.group = opts.group
  if (opts.cursor) query.cursor = opts.cursor
  return unwrap(await client.GET('/api/v1/notifications', { params: { query }, signal: opts.signal }))
}

/** Unread counts per tab and today's sweep batches ("今日 23 件超期"). */
export async function fetchSummary(client: ApiClient = api): Promise<NotificationSummary> {
  return unwrap(await client.GET('/api/v1/notifications/summary'))
}

export async function markRead(id: number, client: ApiClient = api): Promise<NotificationOut> {
  return unwrap(
    await client.POST('/api/v1/notifications/{notification_id}/read', {
      params: { path: { notification_id: id } },
    }),
  )
}

/** Marks every unread notice read; returns how many changed. */
export async function markAllRead(client: ApiClient = api): Promise<number> {
  return unwrap(await client.POST('/api/v1/notifications/read-all')).updated
}

export async function fetchPreferences(client: ApiClient = api): Promise<Preferences> {
  return unwrap(await client.GET('/api/v1/me/preferences'))
}

export async function savePreferences(
  prefs: { email: string | null; notify_email: NotifyEmail },
  client: ApiClient = api,
): Promise<Preferences> {
  // An empty field removes the address.
  const email = prefs.email && prefs.email.trim() ? prefs.email.trim() : null
  return unwrap(await client.PATCH('/api/v1/me/preferences', { body: { email, notify_email: prefs.notify_email } }))
}
