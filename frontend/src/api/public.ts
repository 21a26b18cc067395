/** Typed calls of the public (no account) pages: submit, look up by tracking code, score, photos. */
import { api } from './client'
import { unwrap } from './problem'
import type { components, paths } from './schema'
import { uploadFile, type UploadResult } from '@/utils/newTicket'

type S = components['schemas']
export type PublicTicket = S['PublicTicket']
export type PublicTicketCreate = S['PublicTicketCreate']
export type PublicTicketCreated = S['PublicTicketCreated']
export type PublicScoreBody = S['ScoreBody']

export async function submitPublicTicket(body: PublicTicketCreate): Promise<PublicTicketCreated> {
  return unwrap(await api.POST('/api/v1/public/tickets', { body }))
}

export async function lookupPublicTicket(code: string): Promise<PublicTicket> {
  return unwrap(await api.GET('/api/v1/public/tickets/{code}', { params: { path: { code } } }))
}

export async function scorePublicTicket(code: string, body: PublicScoreBody): Promise<void> {
  unwrap(await api.POST('/api/v1/public/tickets/{code}/score', { params: { path: { code } }, body }))
}

/** Multipart, so sent with XMLHttpRequest for progress; the path is checked against the schema. */
const PHOTO_PATH = '/api/v1/public/tickets/{code}/attachments' satisfies keyof paths
export type PublicPhoto =
  paths[typeof PHOTO_PATH]['post']['responses'][201]['content']['application/json']

/** Photos a submitter may add: at most this many, images only (the server checks the content). */
export const MAX_PUBLIC_PHOTOS = 3
export const PHOTO_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp']

export function publicPhotoUrl(code: string): string {
  return PHOTO_PATH.replace('{code}', encodeURIComponent(code))
}

/** Upload one photo for the ticket of `code` (no account: the code is the credential). */
export function uploadPublicPhoto(code: string, file: File, onProgress: (percent: number) => void = () => undefined): Promise<UploadResult> {
  return uploadFile(publicPhotoUrl(code), file, null, onProgress)
}
