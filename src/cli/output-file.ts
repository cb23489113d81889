/**
 * The one mechanism every command that writes uses: check an output path before any work starts,
 * refuse to overwrite an existing file (or an input) without --force, and write to a temporary file
 * in the same directory that is then renamed, so a crash or Ctrl-C never leaves a half-written file.
 */
import { existsSync, statSync, accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args.ts';

export interface OutputCheck {
  force?: boolean;
  /** paths the command reads: never written over, even with --force */
  inputs?: (string | undefined)[];
  /** the flag that named this path, for messages (e.g. '--out') */
  flag?: string;
}

/** Throws a UsageError (exit 2) if `path` cannot or must not be written. */
export function checkOutputPath(path: string, opts: OutputCheck = {}): void {
  const flag = opts.flag ?? 'output';
  if (path.trim() === '') throw new UsageError(`${flag}: empty path`);
  const abs = resolve(path);
  for (const input of opts.inputs ?? []) {
    if (input !== undefined && resolve(input) === abs) throw new UsageError(`${flag} ${path} is also an input of this command; choose another path`);
  }
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${dir} is not writable`);
  }
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) throw new UsageError(`${flag} ${path} is a directory`);
    if (!opts.force) throw new UsageError(`${flag} ${path} exists; pass --force to overwrite it`);
  }
}

export { writeFileAtomic } from '../io/write-atomic.ts';
