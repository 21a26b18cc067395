// Write src/api/limits.ts: the validation limits (required, min/max length, minimum/maximum, pattern)
// of the request bodies and path parameters in ../openapi.json. openapi-typescript emits types only,
// and the forms need the numbers at run time; copying them by hand would drift from the backend.
// `npm run gen:api` runs this; `npm run check:api` fails when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const LIMITS_FILE = join(root, 'src/api/limits.ts')
const SPEC_FILE = join(root, '../openapi.json')

const KEYS = ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern']

/** The constraints of one property schema; `anyOf: [X, null]` (an optional field) counts as X. */
function constraintsOf(schema) {
  const out = {}
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf.filter((s) => s.type !== 'null') : [schema]
  if (variants.length !== 1) return out
  const s = variants[0]
  for (const k of KEYS) if (s[k] !== undefined) out[k] = s[k]
  return out
}

function refName(ref) {
  return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice(21) : null
}

export function collectLimits(spec) {
  const schemas = spec.components?.schemas ?? {}
  const bodies = new Set()
  const params = {}
  for (const [path, ops] of Object.entries(spec.paths ?? {})) {
    for (const op of Object.values(ops)) {
      if (typeof op !== 'object' || op === null) continue
      for (const media of Object.values(op.requestBody?.content ?? {})) {
        const name = refName(media.schema?.$ref)
        if (name) bodies.add(name)
      }
      for (const p of op.parameters ?? []) {
        if (p.in !== 'path') continue
        const c = constraintsOf(p.schema ?? {})
        if (Object.keys(c).length) (params[path] ??= {})[p.name] = c
      }
    }
  }
  const body = {}
  for (const name of [...bodies].sort()) {
    const s = schemas[name]
    if (!s?.properties) continue
    const required = new Set(s.required ?? [])
    const fields = {}
    for (const [prop, ps] of Object.entries(s.properties)) {
      const c = { ...(required.has(prop) ? { required: true } : {}), ...constraintsOf(ps) }
      if (Object.keys(c).length) fields[prop] = c
    }
    if (Object.keys(fields).length) body[name] = fields
  }
  const sortedParams = Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k]]))
  return { body, params: sortedParams }
}

export function renderLimits(spec) {
  const { body, params } = collectLimits(spec)
  return [
    '// Generated from ../openapi.json by scripts/gen-limits.mjs (`npm run gen:api`); do not edit.',
    '/** Validation limits of the request bodies, by schema name and field. */',
    `export const bodyLimits = ${JSON.stringify(body, null, 2)} as const`,
    '',
    '/** Validation limits of the path parameters, by path and parameter name. */',
    `export const paramLimits = ${JSON.stringify(params, null, 2)} as const`,
    '',
  ].join('\n')
}

export function readSpec() {
  return JSON.parse(readFileSync(SPEC_FILE, 'utf8'))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(LIMITS_FILE, renderLimits(readSpec()))
}
