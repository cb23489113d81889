/**
 * A small strict flag parser shared by every subcommand: unknown flags, missing values and
 * malformed numbers are usage errors (exit code 2), never silently ignored.
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

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'numbers';

export interface FlagSpec {
  type: FlagType;
  default?: unknown;
  /** allowed values for string flags */
  choices?: readonly string[];
  /** numeric lower bound (inclusive) */
  min?: number;
  help?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

type Value<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'numbers'
    ? number[]
    : S['type'] extends 'string'
      ? string
      : number;

export type Parsed<T extends FlagSpecs> = { [K in keyof T]: Value<T[K]> | undefined };

function parseNumber(flag: string, raw: string, integer: boolean, min?: number): number {
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${flag} expects a number, got '${raw}'`);
  if (integer && !Number.isInteger(x)) throw new UsageError(`--${flag} expects an integer, got '${raw}'`);
  if (min !== undefined && x < min) throw new UsageError(`--${flag} must be at least ${min}, got ${raw}`);
  return x;
}

/** Parse `--name value`, `--name=value` and boolean `--flag` forms against `specs`. */
export function parseFlags<T extends FlagSpecs>(argv: string[], specs: T): Parsed<T> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) if (s.default !== undefined) out[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
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
        out[name] = raw;
        break;
      case 'number':
      case 'int':
        out[name] = parseNumber(name, raw, spec.type === 'int', spec.min);
        break;
      case 'numbers':
        out[name] = raw.split(',').map((r) => parseNumber(name, r, false));
        break;
    }
  }
  return out as Parsed<T>;
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
