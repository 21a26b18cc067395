import type { components } from '@/api/schema'
import type { Urgency } from '@/api/types'

type S = components['schemas']
export type Anonymity = S['Anonymity']
export type Channel = S['Channel']
export type TicketCreate = S['TicketCreate']
export type TicketCreated = S['TicketCreated']

export const ANONYMITIES: readonly Anonymity[] = ['named', 'department', 'full']
/** Channels the committee enters by hand when it collects an opinion on someone's behalf. */
export const ON_BEHALF_CHANNELS: readonly Channel[] = ['mailbox', 'visit', 'hotline', 'petition']

type Translate = (key: string) => string

export interface AnonymityOption {
  value: Anonymity
  label: string
  /** Plain words: who will see the submitter. */
  hint: string
}

/** The identity choices with plain-language explanations (i18n keys under `newTicket.anonymity`). */
export function anonymityOptions(t: Translate): AnonymityOption[] {
  return ANONYMITIES.map((value) => ({
    value,
    label: t(`newTicket.anonymity.${value}`),
    hint: t(`newTicket.anonymity.${value}Hint`),
  }))
}

export interface NewTicketForm {
  title: string
  content: string
  categoryId: number | null
  urgency: Urgency
  anonymity: Anonymity
  /** Committee only. */
  channel: Channel
  /** Committee only. */
  collegeId: number | null
  /** A college raising it for someone else (the committee's form always is on behalf). */
  onBehalf: boolean
  /** 反映人: the person the opinion is raised for (committee, or a college on behalf). */
  reporterName: string
  /** How to reach that person (committee, or a college on behalf). */
  contact: string
}

export function emptyForm(): NewTicketForm {
  return {
    title: '',
    content: '',
    categoryId: null,
    urgency: 'normal',
    anonymity: 'department',
    channel: 'mailbox',
    collegeId: null,
    onBehalf: false,
    reporterName: '',
    contact: '',
  }
}

/**
 * Who may record a reporter (反映人) and contact: the committee, and a college head raising an
 * opinion on someone's behalf (staff raise their own; the backend answers `on_behalf_fields`).
 */
export function mayRaiseOnBehalf(isCommittee: boolean, isCollege: boolean, role: string | null | undefined): boolean {
  return isCommittee || (isCollege && role === 'head')
}

/**
 * The POST /tickets body. Colleges may not send channel/college (the backend refuses them with
 * `committee_only_fields`), and send the reporter's name and contact only when the opinion is
 * raised on someone's behalf (their own opinion has no separate reporter). A fully anonymous
 * ticket carries neither (`anonymous_on_behalf`): only its tracking code leads back to it.
 */
export function buildTicketPayload(form: NewTicketForm, isCommittee: boolean): TicketCreate {
  const body: TicketCreate = {
    title: form.title.trim(),
    content: form.content.trim(),
    category_id: form.categoryId ?? null,
    urgency: form.urgency,
    anonymity: form.anonymity,
  }
  if (isCommittee) {
    body.channel = form.channel
    body.college_id = form.collegeId ?? null
  }
  if ((isCommittee || form.onBehalf) && form.anonymity !== 'full') {
    const reporter = form.reporterName.trim()
    if (reporter) body.reporter_name = reporter
    const contact = form.contact.trim()
    if (contact) body.contact = contact
  }
  return body
}

/**
 * One Idempotency-Key per distinct request body: retrying the same form reuses
 * the key (so a lost response does not create a second ticket); changing the
 * form gets a fresh key (the server refuses a key reused for a different body).
 */
export class IdempotencyKeeper {
  private key = ''
  private fingerprint = ''
  constructor(private readonly newKey: () => string = defaultKey) {}

  keyFor(body: unknown): string {
    const fp = JSON.stringify(body)
    if (!this.key || fp !== this.fingerprint) {
      this.key = this.newKey()
      this.fingerprint = fp
    }
    return this.key
  }

  /** Forget the key (after a definite answer from the server). */
  reset(): void {
    this.key = ''
    this.fingerprint = ''
  }
}

function defaultKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  // Non-secure contexts (plain http on a LAN) lack randomUUID.
  const bytes = new Uint8Array(16)
  c.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface UploadResult {
  ok: boolean
  status: number
  /** Parsed JSON body (attachment on success, problem on failure), or null. */
  body: unknown
}

/**
 * POST one file as multipart `file` with XMLHttpRequest (fetch has no upload
 * progress). `onProgress` gets 0–100. Network failures resolve with status 0.
 */
export function uploadFile(
  url: string,
  file: Blob & { name?: string },
  token: string | null,
  onProgress: (percent: number) => void,
  XHR: typeof XMLHttpRequest = XMLHttpRequest,
): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XHR()
    xhr.open('POST', url)
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(100, Math.round((e.loaded / e.total) * 100)))
    }
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        body = null
      }
      const ok = xhr.status >= 200 && xhr.status < 300
      if (ok) onProgress(100)
      resolve({ ok, status: xhr.status, body })
    }
    xhr.onerror = () => resolve({ ok: false, status: 0, body: null })
    xhr.onabort = () => resolve({ ok: false, status: 0, body: null })
    const data = new FormData()
    data.append('file', file, file.name ?? 'attachment')
    xhr.send(data)
  })
}

export function attachmentUrl(ticketId: number): string {
  return `/api/v1/tickets/${ticketId}/attachments`
}

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
export const MAX_ATTACHMENTS = 20

/**
 * Whether the submitter can open (and add files to) the ticket afterwards. A
 * fully anonymous ticket records no submitter, so a college staff member loses
 * sight of it; the committee and the college head still see it.
 */
export function canFollowUp(anonymity: Anonymity, isCommittee: boolean, role: string | null | undefined): boolean {
  if (anonymity !== 'full') return true
  return isCommittee || role === 'head'
}

/** Split picked files into those to keep and the names refused (too large / over the count). */
export function acceptFiles<T extends { name: string; size: number }>(
  current: readonly T[],
  picked: readonly T[],
  maxBytes = MAX_ATTACHMENT_BYTES,
  maxCount = MAX_ATTACHMENTS,
): { keep: T[]; tooBig: string[]; overCount: boolean } {
  const keep = [...current]
  const tooBig: string[] = []
  let overCount = false
  for (const f of picked) {
    if (f.size > maxBytes) {
      tooBig.push(f.name)
      continue
    }
    if (keep.length >= maxCount) {
      overCount = true
      continue
    }
    keep.push(f)
  }
  return { keep, tooBig, overCount }
}
