/**
 * A small strict flag parser shared by every subcommand: unknown flags, missing values, malformed
 * numbers (decimal only: `0x10`, `1_000`, `Infinity` are refused), out-of-range values and a flag
 * given twice are usage errors (exit code 2), never silently ignored or silently last-one-wins.
 * `givenFlags` tells which flags the user typed (defaults excluded), and `appliesOnly` turns a flag
 * that does not apply to the chosen mode into a usage error naming what it applies to.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Whether e is a usage error. Matched by name as well as by class: a loader can instantiate this
 * module twice (tsx's CJS hook beside the ESM loader), and then `instanceof` fails across copies.
 */
export function isUsageError(e: unknown): e is Error {
  return e instanceof UsageError || (e instanceof Error && e.name === 'UsageError');
}

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'numbers' | 'ints';

export interface FlagSpec {
  type: FlagType;
  default?: unknown;
  /** allowed values for string flags */
  choices?: readonly string[];
  /** numeric lower bound (inclusive); for lists, of every element */
  min?: number;
  /** numeric lower bound (exclusive): e.g. gt: 0 for a learning rate */
  gt?: number;
  /** numeric upper bound (inclusive) */
  max?: number;
  help?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

type Value<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'numbers' | 'ints'
    ? number[]
    : S['type'] extends 'string'
      ? string
      : number;

export type Parsed<T extends FlagSpecs> = { [K in keyof T]: Value<T[K]> | undefined };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function parseNumber(flag: string, raw: string, integer: boolean, spec: Pick<FlagSpec, 'min' | 'gt' | 'max'>): number {
  const t = raw.trim();
  if (integer && !INTEGER.test(t)) {
    throw new UsageError(`--${flag} expects an integer, got '${raw}'${DECIMAL.test(t) ? '' : ' (decimal digits only)'}`);
  }
  if (!DECIMAL.test(t)) throw new UsageError(`--${flag} expects a number, got '${raw}' (decimal notation only)`);
  const x = Number(t);
  if (!Number.isFinite(x)) throw new UsageError(`--${flag} expects a finite number, got '${raw}'`);
  if (integer && !Number.isSafeInteger(x)) throw new UsageError(`--${flag} is too large, got '${raw}'`);
  if (spec.min !== undefined && x < spec.min) throw new UsageError(`--${flag} must be at least ${spec.min}, got ${raw}`);
  if (spec.gt !== undefined && !(x > spec.gt)) throw new UsageError(`--${flag} must be greater than ${spec.gt}, got ${raw}`);
  if (spec.max !== undefined && x > spec.max) throw new UsageError(`--${flag} must be at most ${spec.max}, got ${raw}`);
  return x;
}

const given = new WeakMap<object, ReadonlySet<string>>();

/** Parse `--name value`, `--name=value` and boolean `--flag` forms against `specs`. */
export function parseFlags<T extends FlagSpecs>(argv: string[], specs: T): Parsed<T> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [k, s] of Object.entries(specs)) if (s.default !== undefined) out[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (seen.has(name)) throw new UsageError(`--${name} given more than once`);
    seen.add(name);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      // A following flag is not a value; "-1" style negative numbers are.
      if (raw === undefined || /^--[a-zA-Z]/.test(raw)) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    switch (spec.type) {
      case 'string':
        if (spec.choices && !spec.choices.includes(raw)) {
          throw new UsageError(`--${name} must be one of ${spec.choices.join('|')}, got '${raw}'`);
        }
        if (raw.trim() === '') throw new UsageError(`--${name} needs a non-empty value`);
        out[name] = raw;
        break;
      case 'number':
      case 'int':
        out[name] = parseNumber(name, raw, spec.type === 'int', spec);
        break;
      case 'numbers':
      case 'ints':
        out[name] = raw.split(',').map((r) => parseNumber(name, r, spec.type === 'ints', spec));
        break;
    }
  }
  given.set(out, seen);
  return out as Parsed<T>;
}

/**
 * Separate positional arguments (`gaugeflow merge DIR`, `gaugeflow report RUN`) from flags, wherever
 * they stand: a non-boolean flag given as `--name value` takes the next argument as its value.
 */
export function splitPositional(argv: string[], specs: FlagSpecs): { positional: string[]; flags: string[] } {
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    flags.push(arg);
    const spec = specs[arg.slice(2)];
    if (spec && spec.type !== 'boolean' && !arg.includes('=') && i + 1 < argv.length) flags.push(argv[++i]!);
  }
  return { positional, flags };
}

/** The flags the user typed (defaults excluded) for an object returned by parseFlags. */
export function givenFlags(parsed: object): ReadonlySet<string> {
  return given.get(parsed) ?? new Set();
}

/**
 * A flag that does not apply to the chosen mode is a usage error naming what it applies to:
 * `appliesOnly(f, ['or-steps'], spec.sampler === 'heatbath', '--sampler heatbath')` →
 * "--or-steps applies to --sampler heatbath".
 */
export function appliesOnly(parsed: object, flags: readonly string[], applies: boolean, appliesTo: string): void {
  if (applies) return;
  const typed = givenFlags(parsed);
  const bad = flags.find((f) => typed.has(f));
  if (bad !== undefined) throw new UsageError(`--${bad} applies to ${appliesTo}`);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** "8G", "512MB", "1.5GiB", "2000000" → bytes; a usage error naming the flag otherwise. */
export function parseBytes(flag: string, raw: string): number {
  const m = /^\s*(\d+\.?\d*|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--${flag} expects a size such as 512M, 8G or 1.5GiB, got '${raw}'`);
  const bytes = Number(m[1]) * unit;
  if (!(bytes > 0) || !Number.isFinite(bytes)) throw new UsageError(`--${flag} must be a positive size, got '${raw}'`);
  return bytes;
}

/** One line per flag, for `gaugeflow <command> --help`. */
export function flagHelp(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([k, s]) => {
      const choice = s.choices ? ` (${s.choices.join('|')})` : '';
      const def = s.default !== undefined ? ` [default ${String(s.default)}]` : '';
      return `  --${k}${s.type === 'boolean' ? '' : ' <' + s.type + '>'}${choice}${def}${s.help ? '  ' + s.help : ''}`;
    })
    .join('\n');
}
