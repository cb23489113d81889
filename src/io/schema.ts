/**
 * A small schema checker for the JSON files gaugeflow reads (model files, checkpoints): every field a
 * loader uses is checked for presence and type before anything is built from it, so that a missing
 * `weights` key or a string where a tolerance belongs is a clear error naming the field, never a
 * silently different model or a failure at the first draw. Dependency-free on purpose: the
 * schemas are a few dozen lines and the messages name the field path (`flow.solver.tol`).
 */
export type Schema =
  | 'string'
  | 'boolean'
  /** any finite number */
  | 'number'
  /** finite and > 0 */
  | 'positive'
  /** integer ≥ 0 */
  | 'count'
  /** integer ≥ 1 */
  | 'posint'
  /** an array of finite numbers */
  | 'numbers'
  /** an object (its fields checked elsewhere) */
  | 'object'
  | { enum: readonly unknown[] }
  | { array: Schema; minLength?: number }
  | { fields: Record<string, Schema>; optional?: readonly string[] }
  | { optional: Schema };

export class SchemaError extends Error {
  override name = 'SchemaError';
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 20 ? v.slice(0, 20) + '…' : v}"`;
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Throws a SchemaError naming the first field at `path` that does not match `schema`. */
export function checkSchema(value: unknown, schema: Schema, path = ''): void {
  const fail = (expected: string): never => {
    throw new SchemaError(`${path || 'value'}: expected ${expected}, got ${describe(value)}`);
  };
  if (typeof schema === 'string') {
    switch (schema) {
      case 'string':
        if (typeof value !== 'string') fail('a string');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') fail('true or false');
        return;
      case 'number':
        if (!finite(value)) fail('a finite number');
        return;
      case 'positive':
        if (!finite(value) || value <= 0) fail('a positive number');
        return;
      case 'count':
        if (!Number.isInteger(value) || (value as number) < 0) fail('an integer ≥ 0');
        return;
      case 'posint':
        if (!Number.isInteger(value) || (value as number) < 1) fail('an integer ≥ 1');
        return;
      case 'object':
        if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('an object');
        return;
      case 'numbers': {
        if (!Array.isArray(value)) fail('an array of numbers');
        const arr = value as unknown[];
        for (let i = 0; i < arr.length; i++) {
          if (!finite(arr[i])) throw new SchemaError(`${path}[${i}]: expected a finite number, got ${describe(arr[i])}`);
        }
        return;
      }
    }
  }
  if ('optional' in schema && !('fields' in schema)) {
    if (value !== undefined) checkSchema(value, schema.optional, path);
    return;
  }
  if ('enum' in schema) {
    if (!schema.enum.includes(value)) fail(`one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
    return;
  }
  if ('array' in schema) {
    if (!Array.isArray(value)) fail('an array');
    const arr = value as unknown[];
    if (schema.minLength !== undefined && arr.length < schema.minLength) fail(`at least ${schema.minLength} entr${schema.minLength === 1 ? 'y' : 'ies'}`);
    arr.forEach((v, i) => checkSchema(v, schema.array, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('an object');
  const obj = value as Record<string, unknown>;
  for (const [k, s] of Object.entries(schema.fields)) {
    const sub = path ? `${path}.${k}` : k;
    if (obj[k] === undefined && schema.optional?.includes(k)) continue;
    checkSchema(obj[k], s, sub);
  }
}
