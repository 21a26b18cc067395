// Regenerate the API types into a temp file and fail if they differ from src/api/schema.d.ts.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LIMITS_FILE, readSpec, renderLimits } from './gen-limits.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(join(tmpdir(), 'huiyin-api-'))
const out = join(dir, 'schema.d.ts')
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(root, '../openapi.json'), '-o', out],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const fresh = readFileSync(out, 'utf8')
  const committed = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8')
  if (fresh !== committed) {
    console.error('src/api/schema.d.ts is out of date with ../openapi.json: run `npm run gen:api` and commit it.')
    process.exitCode = 1
  } else {
    console.log('src/api/schema.d.ts matches ../openapi.json')
  }
  if (renderLimits(readSpec()) !== readFileSync(LIMITS_FILE, 'utf8')) {
    console.error('src/api/limits.ts is out of date with ../openapi.json: run `npm run gen:api` and commit it.')
    process.exitCode = 1
  } else {
    console.log('src/api/limits.ts matches ../openapi.json')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
