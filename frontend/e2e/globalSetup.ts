/**
 * Starts the real backend on a fresh SQLite database for the end-to-end tests: migrate, create
 * the demo organisation without tickets, serve the production build of the SPA.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { OUTPUT_DIR, REPO_ROOT } from './paths'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))))
    })
  })
}

export async function waitHealthy(url: string, child: ChildProcess, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}; see ${OUTPUT_DIR}/backend.log`)
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`backend did not answer ${url} within ${seconds}s`)
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const huiyin = process.env.HUIYIN_E2E_CLI ?? join(REPO_ROOT, '.venv', 'bin', 'huiyin')
  if (!existsSync(huiyin)) throw new Error(`${huiyin} not found: run \`make install\` at the repository root`)
  if (!existsSync(join(REPO_ROOT, 'frontend', 'dist', 'index.html'))) {
    throw new Error('frontend/dist is missing: run `npm run build` first (make test does)')
  }
  rmSync(OUTPUT_DIR, { recursive: true, force: true })
  mkdirSync(OUTPUT_DIR, { recursive: true })

  const work = mkdtempSync(join(tmpdir(), 'huiyin-e2e-'))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUIYIN_ENVIRONMENT: 'test',
    HUIYIN_SECRET_KEY: randomBytes(32).toString('hex'),
    HUIYIN_DATABASE_URL: `sqlite:///${resolve(work, 'e2e.db')}`,
    HUIYIN_DATA_DIR: resolve(work, 'data'),
  }
  const run = (...args: string[]) => {
    const r = spawnSync(huiyin, args, { env, cwd: work, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`huiyin ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
  }
  run('db', 'upgrade')
  run('seed-demo', '--demo-tickets', '0')

  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  env.HUIYIN_PUBLIC_BASE_URL = baseURL
  const log = createWriteStream(join(OUTPUT_DIR, 'backend.log'))
  const child = spawn(huiyin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--no-migrate', '--log-level', 'warning'], {
    env,
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  await waitHealthy(`${baseURL}/api/v1/ready`, child, 60)
  project.provide('baseURL', baseURL)

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    rmSync(work, { recursive: true, force: true })
  }
}
