/**
 * The administration API besides the unit/category catalogue (see ./units): users, the working
 * calendar and office hours, SLA policies. One typed function per call, types from the schema.
 */
import { api } from './client'
import { unwrap } from './problem'
import type { components } from './schema'

type S = components['schemas']
export type User = S['UserOut']
export type UserCreate = S['UserCreate']
export type UserUpdate = S['UserUpdate']
export type Role = S['Role']
export type NotifyEmail = S['NotifyEmail']
export type CalendarDay = S['CalendarDayOut']
export type CalendarDayIn = S['CalendarDayIn']
export type OfficeHours = S['OfficeHoursOut']
export type OfficeHoursIn = S['OfficeHoursIn']
export type SlaPolicy = S['SlaPolicyOut']
export type SlaPolicyCreate = S['SlaPolicyCreate']
export type SlaPolicyUpdate = S['SlaPolicyUpdate']

/** The roles a user can hold in a unit (typed against the schema's enum). */
export const ROLES = ['head', 'staff'] as const satisfies readonly Role[]

export async function listUsers(query: { unit_id?: number; q?: string } = {}): Promise<User[]> {
  return unwrap(await api.GET('/api/v1/users', { params: { query } }))
}

export async function createUser(body: UserCreate): Promise<User> {
  return unwrap(await api.POST('/api/v1/users', { body }))
}

export async function updateUser(userId: number, body: UserUpdate): Promise<User> {
  return unwrap(await api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: userId } }, body }))
}

/** The committee's overrides of the national calendar between two dates (inclusive). */
export async function listCalendarDays(range: { from: string; to: string }): Promise<CalendarDay[]> {
  return unwrap(await api.GET('/api/v1/calendar/days', { params: { query: range } }))
}

export async function setCalendarDay(body: CalendarDayIn): Promise<CalendarDay> {
  return unwrap(await api.POST('/api/v1/calendar/days', { body }))
}

export async function deleteCalendarDay(day: string): Promise<void> {
  const res = await api.DELETE('/api/v1/calendar/days/{day}', { params: { path: { day } } })
  // 204 has no body; unwrap only to turn a refusal into an ApiError.
  if (!res.response.ok) unwrap(res)
}

export async function getOfficeHours(): Promise<OfficeHours> {
  return unwrap(await api.GET('/api/v1/calendar/office-hours'))
}

export async function setOfficeHours(body: OfficeHoursIn): Promise<OfficeHours> {
  return unwrap(await api.PUT('/api/v1/calendar/office-hours', { body }))
}

export async function listSlaPolicies(): Promise<SlaPolicy[]> {
  return unwrap(await api.GET('/api/v1/sla-policies'))
}

export async function createSlaPolicy(body: SlaPolicyCreate): Promise<SlaPolicy> {
  return unwrap(await api.POST('/api/v1/sla-policies', { body }))
}

export async function updateSlaPolicy(policyId: number, body: SlaPolicyUpdate): Promise<SlaPolicy> {
  return unwrap(await api.PUT('/api/v1/sla-policies/{policy_id}', { params: { path: { policy_id: policyId } }, body }))
}

export async function deleteSlaPolicy(policyId: number): Promise<void> {
  const res = await api.DELETE('/api/v1/sla-policies/{policy_id}', { params: { path: { policy_id: policyId } } })
  if (!res.response.ok) unwrap(res)
}
