/**
 * Units and categories: the organisation's catalogue. Every signed-in user may read it (the
 * lists feed names and selects everywhere, through the catalog store); only admins write it.
 */
import { api } from './client'
import { unwrap } from './problem'
import type { components } from './schema'

type S = components['schemas']
export type Unit = S['UnitOut']
export type UnitKind = S['UnitKind']
export type UnitCreate = S['UnitCreate']
export type UnitUpdate = S['UnitUpdate']
export type Category = S['CategoryOut']
export type CategoryCreate = S['CategoryCreate']
export type CategoryUpdate = S['CategoryUpdate']

/** The unit kinds, in the order the pages show them (typed against the schema's enum). */
export const UNIT_KINDS = ['committee', 'department', 'college'] as const satisfies readonly UnitKind[]

export async function listUnits(query: { kind?: UnitKind; include_inactive?: boolean } = {}): Promise<Unit[]> {
  return unwrap(await api.GET('/api/v1/units', { params: { query } }))
}

export async function createUnit(body: UnitCreate): Promise<Unit> {
  return unwrap(await api.POST('/api/v1/units', { body }))
}

export async function updateUnit(unitId: number, body: UnitUpdate): Promise<Unit> {
  return unwrap(await api.PATCH('/api/v1/units/{unit_id}', { params: { path: { unit_id: unitId } }, body }))
}

export async function listCategories(query: { include_inactive?: boolean } = {}): Promise<Category[]> {
  return unwrap(await api.GET('/api/v1/categories', { params: { query } }))
}

export async function createCategory(body: CategoryCreate): Promise<Category> {
  return unwrap(await api.POST('/api/v1/categories', { body }))
}

export async function updateCategory(categoryId: number, body: CategoryUpdate): Promise<Category> {
  return unwrap(
    await api.PATCH('/api/v1/categories/{category_id}', { params: { path: { category_id: categoryId } }, body }),
  )
}
