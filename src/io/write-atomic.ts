/**
 * Write a file so that it is either the old one or the complete new one: write to a temporary name
 * in the same directory, then rename (atomic on one file system). A crash or Ctrl-C never leaves a
 * half-written model, checkpoint or result behind. The error names the user's path, not the
 * temporary one.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';

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

/**
 * The same guarantee for a file written piece by piece (e.g. a proposal shard, whose payload is
 * produced batch by batch and may not fit in memory): pieces go to a temporary file in the same
 * directory; `commit()` fsyncs and renames it into place, `abort()` removes it. Until commit the
 * destination is untouched.
 */
export class AtomicFile {
  private fd: number | null;
  private readonly tmp: string;

  constructor(
    readonly path: string,
    private readonly what = 'file',
  ) {
    this.tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (e) {
      throw new Error(`cannot write ${what} ${path}: ${(e as Error).message}`);
    }
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.what} ${this.path}: write after commit or abort`);
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    } catch (e) {
      this.abort();
      throw new Error(`cannot write ${this.what} ${this.path}: ${(e as Error).message}`);
    }
  }

  commit(): void {
    if (this.fd === null) throw new Error(`${this.what} ${this.path}: commit after commit or abort`);
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw new Error(`cannot write ${this.what} ${this.path}: ${(e as Error).message}`);
    }
  }

  /** Remove the temporary file (idempotent; the destination is never touched). */
  abort(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already failing */
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      /* nothing to clean */
    }
  }
}
