import type { CalendarDay, Role, User, UserUpdate } from '@/api/admin'
import type { Unit } from '@/api/units'

export type { CalendarDay, User, UserUpdate } from '@/api/admin'
export type { Category, Unit } from '@/api/units'

/** The first day and last day of a year, as the calendar API's `from`/`to`. */
export function yearRange(year: number): { from: string; to: string } {
  return { from: `${year}-01-01`, to: `${year}-12-31` }
}

export interface UserEdit {
  display_name: string
  unit_id: number
  role: Role
  is_admin: boolean
  email: string
  /** each | digest | none; left out: unchanged. */
  notify_email?: User['notify_email']
}

/** PATCH body with only the fields that changed (so an unchanged unit does not end sessions). */
export function userPatch(original: User, edit: UserEdit): UserUpdate {
  const body: UserUpdate = {}
  const name = edit.display_name.trim()
  if (name && name !== original.display_name) body.display_name = name
  if (edit.unit_id !== original.unit.id) body.unit_id = edit.unit_id
  if (edit.role !== original.role) body.role = edit.role
  if (edit.is_admin !== original.is_admin) body.is_admin = edit.is_admin
  const email = edit.email.trim()
  if (email !== (original.email ?? '')) body.email = email || null
  if (edit.notify_email && edit.notify_email !== original.notify_email) body.notify_email = edit.notify_email
  return body
}

/** Only committee members may be admins: the flag is dropped for other units. */
export function adminAllowed(units: readonly Unit[], unitId: number | null): boolean {
  return units.find((u) => u.id === unitId)?.kind === 'committee'
}

/** Calendar overrides in date order. */
export function sortDays(days: readonly CalendarDay[]): CalendarDay[] {
  return [...days].sort((a, b) => a.date.localeCompare(b.date))
}
