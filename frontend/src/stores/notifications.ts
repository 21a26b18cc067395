import { defineStore } from 'pinia'
import { ref } from 'vue'
import {
  fetchSummary,
  fetchUnreadCount,
  type NotificationGroup,
  type NotificationSummary,
} from '@/api/notifications'
import { NOTIFICATION_GROUPS, UNREAD_POLL_MS } from '@/utils/notifications'

function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden'
}

/**
 * The unread count the bell shows and the per-tab counts of the notifications page, shared by
 * every component. One poller for the whole app however many components ask for it (`start()`
 * counts them), paused while the tab is hidden: a background tab asks the server nothing, and
 * asks once as soon as it is shown again.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const unread = ref(0)
  const summary = ref<NotificationSummary | null>(null)
  let users = 0
  let pollMs = UNREAD_POLL_MS
  let timer: ReturnType<typeof setInterval> | undefined
  let inflight: Promise<void> | null = null

  /** Ask for the unread count now (concurrent callers share one request). */
  function refresh(): Promise<void> {
    inflight ??= fetchUnreadCount()
      .then((n) => {
        unread.value = n
      })
      .catch(() => {
        /* the count is a hint: keep the last one */
      })
      .finally(() => {
        inflight = null
      })
    return inflight
  }

  /** Per-tab unread counts and today's batches; the badge follows their sum. Throws on failure. */
  async function loadSummary(): Promise<NotificationSummary> {
    const s = await fetchSummary()
    summary.value = s
    unread.value = NOTIFICATION_GROUPS.reduce((sum, g) => sum + (s.unread[g] ?? 0), 0)
    return s
  }

  function stopTimer(): void {
    clearInterval(timer)
    timer = undefined
  }

  function startTimer(): void {
    stopTimer()
    timer = setInterval(() => void refresh(), pollMs)
  }

  function onVisibility(): void {
    if (pageHidden()) {
      stopTimer()
    } else if (users > 0) {
      void refresh()
      startTimer()
    }
  }

  /** Begin (or join) polling; call `stop()` once for each `start()`. */
  function start(intervalMs: number = UNREAD_POLL_MS): void {
    users += 1
    if (users > 1) return
    pollMs = intervalMs
    document.addEventListener('visibilitychange', onVisibility)
    if (!pageHidden()) {
      void refresh()
      startTimer()
    }
  }

  function stop(): void {
    if (users === 0) return
    users -= 1
    if (users > 0) return
    stopTimer()
    document.removeEventListener('visibilitychange', onVisibility)
  }

  /** `n` notices of `group` (if known) were marked read here: lower the counts without asking. */
  function markedRead(n: number, group?: NotificationGroup): void {
    unread.value = Math.max(0, unread.value - n)
    if (group && summary.value) {
      const counts = summary.value.unread
      counts[group] = Math.max(0, counts[group] - n)
    }
  }

  /** Every notice was marked read. */
  function allRead(): void {
    unread.value = 0
    if (summary.value) {
      for (const g of NOTIFICATION_GROUPS) summary.value.unread[g] = 0
    }
  }

  /** Forget the counts (sign-out: the next user must not see them). */
  function reset(): void {
    unread.value = 0
    summary.value = null
  }

  return { unread, summary, refresh, loadSummary, start, stop, markedRead, allRead, reset }
})
