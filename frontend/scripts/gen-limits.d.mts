// Types for the tests that compare the committed src/api/limits.ts with a fresh render.
export declare const LIMITS_FILE: string
export declare function collectLimits(spec: unknown): { body: Record<string, unknown>; params: Record<string, unknown> }
export declare function renderLimits(spec: unknown): string
export declare function readSpec(): unknown
