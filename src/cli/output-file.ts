/**
 * The one mechanism every command that writes uses: check an output path before any work starts,
 * refuse to overwrite an existing file (or an input) without --force, and write to a temporary file
 * in the same directory that is then renamed, so a crash or Ctrl-C never leaves a half-written file.
 * Output directories (sample --save-configs) follow the same rules: checked before any work, a
 * non-empty directory is refused without --force, and --force removes the earlier run's files
 * (only those the command itself writes) so that two runs are never mixed on disk.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.ts';

export interface OutputCheck {
  force?: boolean;
  /** paths the command reads: never written over, even with --force */
  inputs?: (string | undefined)[];
  /** the flag that named this path, for messages (e.g. '--out') */
  flag?: string;
}

function checkNotInput(path: string, flag: string, inputs: (string | undefined)[] = []): void {
  const abs = resolve(path);
  for (const input of inputs) {
    if (input !== undefined && resolve(input) === abs) throw new UsageError(`${flag} ${path} is also an input of this command; choose another path`);
  }
}

function checkWritableDir(dir: string, flag: string, path: string): void {
  if (!existsSync(dir)) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${dir} is not writable`);
  }
}

/** Throws a UsageError (exit 2) if `path` cannot or must not be written. */
export function checkOutputPath(path: string, opts: OutputCheck = {}): void {
  const flag = opts.flag ?? 'output';
  if (path.trim() === '') throw new UsageError(`${flag}: empty path`);
  checkNotInput(path, flag, opts.inputs);
  const abs = resolve(path);
  checkWritableDir(dirname(abs), flag, path);
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) throw new UsageError(`${flag} ${path} is a directory`);
    if (!opts.force) throw new UsageError(`${flag} ${path} exists; pass --force to overwrite it`);
  }
}

export interface OutputDirCheck extends OutputCheck {
  /** the names of files this command writes into the directory (an earlier run's are removed by --force) */
  owned: RegExp;
  /**
   * A directory that several runs fill together (propose: the shards of one run, written by many
   * tasks) or that a run resumes in (bench freezing): a non-empty directory is accepted and nothing
   * is removed; the command checks each file it writes there (checkOutputPath) before any work.
   */
  shared?: boolean;
}

/**
 * Check a directory the command fills with files, before any work starts. A missing directory is
 * fine if its nearest existing ancestor is a writable directory (it is created, with parents, when
 * the run starts). An existing non-empty directory is refused without --force. Returns `prepare`,
 * to be called once the run really starts: it creates the directory and, under --force, removes the
 * files an earlier run of this command wrote there (others are left alone), so runs never mix.
 */
export function checkOutputDir(path: string, opts: OutputDirCheck): { prepare: () => number } {
  const flag = opts.flag ?? 'output directory';
  if (path.trim() === '') throw new UsageError(`${flag}: empty path`);
  checkNotInput(path, flag, opts.inputs);
  const abs = resolve(path);
  let stale: string[] = [];
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new UsageError(`${flag} ${path} exists and is a file, not a directory`);
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${path}: directory is not writable`);
    }
    const entries = readdirSync(abs);
    if (opts.shared) return { prepare: () => 0 };
    if (entries.length > 0 && !opts.force) {
      throw new UsageError(
        `${flag} ${path} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); choose a new directory, or pass --force to replace the files of the earlier run`,
      );
    }
    stale = entries.filter((e) => opts.owned.test(e));
  } else {
    let up = dirname(abs);
    while (!existsSync(up)) up = dirname(up);
    checkWritableDir(up, flag, path);
  }
  return {
    prepare: () => {
      try {
        mkdirSync(abs, { recursive: true }); // tasks of a job array may race here: recursive mkdir is safe
      } catch (e) {
        throw new UsageError(`${flag} ${path}: cannot create the directory (${(e as Error).message})`);
      }
      for (const e of stale) rmSync(join(abs, e), { force: true });
      return stale.length;
    },
  };
}

export { writeFileAtomic } from '../io/write-atomic.ts';
