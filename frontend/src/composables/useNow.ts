import { getCurrentScope, onScopeDispose, readonly, ref, type Ref } from 'vue'

/** How often the shared clock ticks: deadline badges turn "overdue" at most this late. */
export const NOW_TICK_MS = 30_000

const now = ref(Date.now())
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

function tick(): void {
  now.value = Date.now()
}

// A hidden tab's timers are throttled; catch up the moment it is shown again.
function onVisible(): void {
  if (document.visibilityState === 'visible') tick()
}

function start(): void {
  tick()
  timer = setInterval(tick, NOW_TICK_MS)
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible)
}

function stop(): void {
  if (timer !== null) clearInterval(timer)
  timer = null
  if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible)
}

/**
 * The current time in ms, as a ref that ticks: a computed that reads it re-evaluates as time
 * passes (`Date.now()` inside a computed is read once and never again). One timer for the whole
 * app, running while at least one component uses it.
 */
export function useNow(): Readonly<Ref<number>> {
  if (getCurrentScope()) {
    if (users++ === 0) start()
    onScopeDispose(() => {
      if (--users === 0) stop()
    })
  } else {
    tick() // outside a component: the current time, not kept fresh
  }
  return readonly(now)
}
