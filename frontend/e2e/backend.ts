/**
 * A second backend of its own for a test file that needs other settings than the shared one of
 * globalSetup (e.g. a one-minute access token): fresh SQLite database, the demo organisation
 * without tickets, the production build of the SPA.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, waitHealthy } from './globalSetup'
import { OUTPUT_DIR, REPO_ROOT } from './paths'

export interface OwnBackend {
  baseURL: string
  stop: () => Promise<void>
}

export async function startBackend(name: string, settings: Record<string, string>): Promise<OwnBackend> {
  const huiyin = process.env.HUIYIN_E2E_CLI ?? join(REPO_ROOT, '.venv', 'bin', 'huiyin')
  const work = mkdtempSync(join(tmpdir(), `huiyin-e2e-${name}-`))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUIYIN_ENVIRONMENT: 'test',
    HUIYIN_SECRET_KEY: randomBytes(32).toString('hex'),
    HUIYIN_DATABASE_URL: `sqlite:///${resolve(work, 'e2e.db')}`,
    HUIYIN_DATA_DIR: resolve(work, 'data'),
    ...settings,
  }
  for (const args of [['db', 'upgrade'], ['seed-demo', '--demo-tickets', '0']]) {
    const r = spawnSync(huiyin, args, { env, cwd: work, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`huiyin ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  }
  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  env.HUIYIN_PUBLIC_BASE_URL = baseURL
  const log = createWriteStream(join(OUTPUT_DIR, `backend-${name}.log`))
  const child = spawn(huiyin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--no-migrate', '--log-level', 'warning'], {
    env,
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  await waitHealthy(`${baseURL}/api/v1/ready`, child, 60)
  return {
    baseURL,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(work, { recursive: true, force: true })
    },
  }
}
