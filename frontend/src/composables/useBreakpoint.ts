import { readonly, ref, type Ref } from 'vue'

/** Below this width pages switch to the phone layout (card lists, bottom drawers, compact header). */
export const PHONE_MAX_WIDTH = 767

const isPhone = ref(false)
let watching = false

function watchViewport(): void {
  if (watching || typeof window === 'undefined' || !window.matchMedia) return
  watching = true
  const query = window.matchMedia(`(max-width: ${PHONE_MAX_WIDTH}px)`)
  isPhone.value = query.matches
  // One listener for the whole app, however many components ask.
  query.addEventListener('change', (e) => {
    isPhone.value = e.matches
  })
}

/** True while the viewport is phone-sized; shared by every component, updated on resize. */
export function useIsPhone(): Readonly<Ref<boolean>> {
  watchViewport()
  return readonly(isPhone)
}
