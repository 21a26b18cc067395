import { afterEach } from 'vitest'

// Node's Request (used under jsdom) rejects relative URLs; browsers resolve them
// against the page. Resolve against the jsdom location so baseUrl "" works in tests.
const NativeRequest = globalThis.Request
class RelativeRequest extends NativeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' ? new URL(input, globalThis.location.href).href : input, init)
  }
}
globalThis.Request = RelativeRequest as typeof Request

afterEach(() => {
  localStorage.clear()
})
