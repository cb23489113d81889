/**
 * Write a file so that it is either the old one or the complete new one: write to a temporary name
 * in the same directory, then rename (atomic on one file system). A crash or Ctrl-C never leaves a
 * half-written model, checkpoint or result behind. The error names the user's path, not the
 * temporary one.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
};

/** A file-system error as a short reason that names no temporary file. */
export function ioReason(e: unknown, tmp?: string, path?: string): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && REASONS[err.code]) return REASONS[err.code]!;
  const msg = String(err?.message ?? e);
  return tmp && path ? msg.split(tmp).join(path) : msg;
}

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
    throw new Error(`cannot write ${what} ${path}: ${ioReason(e, tmp, path)}`);
  }
}
