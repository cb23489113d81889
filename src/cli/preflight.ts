/**
 * Resource checks every command runs before it allocates: estimate the memory a run will hold
 * and refuse (a usage error, exit 2) when it exceeds the memory available, naming the estimate
 * and what is available, unless `--max-memory` allows it. Commands share the flag spec below.
 */
import os from 'node:os';
import { parseBytes, UsageError, type FlagSpec } from './args.ts';
import { formatBytes } from '../../samplers/memory.ts';

export { formatBytes };

/** The shared `--max-memory` flag (a size such as 8G). */
export const maxMemoryFlag = {
  type: 'string',
  help: 'allow runs whose memory estimate exceeds the available memory, up to this size (e.g. 8G) [available memory]',
} as const satisfies FlagSpec;

/** Memory this process may still use: free memory (Linux: MemAvailable), capped by a cgroup limit. */
export function availableMemory(): number {
  let avail = os.freemem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained && constrained > 0 && Number.isFinite(constrained)) {
    avail = Math.min(avail, Math.max(0, constrained - process.memoryUsage().rss));
  }
  return avail;
}

export interface MemoryRequest {
  /** estimated bytes in total */
  total: number;
  /** how the total is made up (per chain × chains, …) */
  detail: string;
  /** what to reduce, e.g. '--L, --chains or --n' */
  reduce: string;
}

/**
 * Refuse a run whose estimate exceeds the limit: `--max-memory` when given, else the available
 * memory. Returns the limit that applied.
 */
export function checkMemory(req: MemoryRequest, maxMemory: string | undefined): number {
  const avail = availableMemory();
  const limit = maxMemory !== undefined ? parseBytes('max-memory', maxMemory) : avail;
  if (!(req.total <= limit)) {
    const need = `needs ≈ ${formatBytes(req.total)} (${req.detail})`;
    if (maxMemory !== undefined) {
      throw new UsageError(`this run ${need}, more than --max-memory ${maxMemory} (${formatBytes(limit)}); reduce ${req.reduce} or raise --max-memory`);
    }
    throw new UsageError(
      `this run ${need} but ${formatBytes(avail)} of memory is available; reduce ${req.reduce}, or pass --max-memory ${suggest(req.total)} to run it anyway`,
    );
  }
  return limit;
}

function suggest(bytes: number): string {
  const g = bytes / 1024 ** 3;
  return g >= 1 ? `${Math.ceil(g * 1.1)}GiB` : `${Math.ceil((bytes / 1024 ** 2) * 1.1)}MiB`;
}
