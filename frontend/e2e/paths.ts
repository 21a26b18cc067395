import { fileURLToPath } from 'node:url'
import { dirname, join, resolve } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = resolve(here, '..', '..')
/** Screenshots and the backend log of the last run (git-ignored). */
export const OUTPUT_DIR = process.env.HUIYIN_E2E_OUTPUT ?? join(REPO_ROOT, 'frontend', 'test-output', 'e2e')
