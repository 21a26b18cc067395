/**
 * End-to-end tests: the real backend (fresh SQLite database, production SPA build) driven in
 * Debian's Chromium through playwright-core. `npm run test:e2e`; `make test` runs it.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/globalSetup.ts'],
    // One backend, one browser per file; files run one after another (2 cores).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
})
