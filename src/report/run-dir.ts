/**
 * Run directories (`--run-dir`): every long command can leave what a report needs there, one JSON
 * record per file (src/report/records.ts), and `gaugeflow report <dir>` reads them all back. The
 * output rules of src/cli/output-file.ts apply to each record: the directory is checked (and made)
 * before any work starts, an existing record is never overwritten without --force, and files are
 * written to a temporary name and renamed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkOutputPath, writeFileAtomic } from '../cli/output-file.ts';
import { UsageError } from '../cli/args.ts';
import { RUN_RECORD_FORMAT, type RunRecord } from './records.ts';

/** A record's file name: letters, digits, '.', '-' and '_' only. */
export function recordFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}

/** File name of the record of one sampler at one (L, β), e.g. 'sample-hmc-L8-b2.json'. */
export function chainsRecordName(sampler: string, L: number, beta: number): string {
  return recordFileName(`sample-${sampler}-L${L}-b${beta}`);
}

/**
 * Check, before any work, that `dir` can hold the named records: its parent exists and is
 * writable, it is a directory (made here if missing), and none of the records exists unless
 * `force`. Throws a UsageError naming `flag` otherwise.
 */
export function prepareRunDir(dir: string, files: readonly string[], opts: { force?: boolean; flag?: string; inputs?: (string | undefined)[] } = {}): void {
  const flag = opts.flag ?? '--run-dir';
  if (dir.trim() === '') throw new UsageError(`${flag}: empty path`);
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new UsageError(`${flag} ${dir} exists and is not a directory`);
  } else {
    const parent = dirname(abs);
    if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new UsageError(`${flag} ${dir}: directory ${parent} does not exist`);
    try {
      mkdirSync(abs);
    } catch (e) {
      throw new UsageError(`${flag} ${dir}: cannot create it (${(e as Error).message})`);
    }
  }
  for (const f of files) checkOutputPath(join(abs, f), { force: opts.force, inputs: opts.inputs, flag: `${flag} ${dir}: record` });
}

export function writeRunRecord(dir: string, file: string, record: RunRecord): string {
  const path = join(dir, file);
  writeFileAtomic(path, toJson(record), 'run record');
  return path;
}

/** JSON with NaN and ±∞ written as null (undefined τ_int of a frozen chain, unmeasured ESS). */
export function toJson(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** Every run record in `dir`, in file-name order (other JSON files are ignored). */
export function readRunDir(dir: string): { file: string; record: RunRecord }[] {
  const out: { file: string; record: RunRecord }[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const path = join(dir, f);
    if (!statSync(path).isFile()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      continue; // a model file, a half-copied file: not a record
    }
    if (isRunRecord(parsed)) out.push({ file: f, record: parsed });
  }
  return out;
}

export function isRunRecord(x: unknown): x is RunRecord {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === RUN_RECORD_FORMAT && ['training', 'chains', 'scan'].includes((x as { kind?: string }).kind ?? '');
}

/** File name of the training record of `gaugeflow train` at (L, β). */
export function trainingRecordName(L: number, beta: number): string {
  return recordFileName(`train-L${L}-b${beta}`);
}

/** `train --run-dir`: the training curve ([step, loss, ess] rows) and the command's result. */
export async function writeTrainingRun(dir: string, L: number, beta: number, curve: readonly (readonly [number, number, number])[], result: Record<string, unknown>): Promise<string> {
  const { trainingRecord } = await import('./records.ts');
  return writeRunRecord(dir, trainingRecordName(L, beta), trainingRecord(`train L=${L} β=${beta}`, L, beta, curve, result));
}

/** `sample --run-dir` (and the showcase, the bench): one sampler's chains at one (L, β). */
export async function writeChainsRun(dir: string, o: Omit<import('./records.ts').ChainsRecordOptions, 'label'> & { label?: string }): Promise<string> {
  const { chainsRecord } = await import('./records.ts');
  const label = o.label ?? `${o.spec.sampler} L=${o.spec.L} β=${o.spec.beta}`;
  return writeRunRecord(dir, chainsRecordName(o.spec.sampler, o.spec.L, o.spec.beta), chainsRecord({ ...o, label }));
}
