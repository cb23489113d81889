/**
 * Write a file so that it is either the old one or the complete new one: write to a temporary name
 * in the same directory, then rename (atomic on one file system). A crash or Ctrl-C never leaves a
 * half-written model, checkpoint or result behind. The error names the user's path, not the
 * temporary one.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, data: string | Uint8Array, what = 'file'): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new Error(`cannot write ${what} ${path}: ${(e as Error).message}`);
  }
}
