/**
 * Checkpoint files of trainParallel: JSON { format: 'gaugeflow-checkpoint', version, step, seconds,
 * shapes?, weights, optimizer, meta } with every typed array stored as base64 of its little-endian
 * bytes, so that a resumed run continues bit for bit. Written to a temporary file and renamed (a
 * crash never leaves half a checkpoint); a wrong or damaged file is a clear error naming it.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/write-atomic.ts';
import type { Checkpoint } from './parallel.ts';

export const CHECKPOINT_FORMAT = 'gaugeflow-checkpoint';
export const CHECKPOINT_VERSION = 1;

const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function encode(a: Float32Array | Float64Array): string {
  if (bigEndian) throw new Error('checkpoint files are little-endian; this machine is big-endian');
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function decode<T extends Float32Array | Float64Array>(s: unknown, Type: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, what: string): T {
  if (typeof s !== 'string') throw new Error(`${what} is missing`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % Type.BYTES_PER_ELEMENT !== 0) throw new Error(`${what} has ${bytes.length} bytes, not a whole number of values`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

export function saveCheckpoint(path: string, c: Checkpoint, meta?: Record<string, unknown>): void {
  const file = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    step: c.step,
    seconds: c.seconds,
    weights: c.weights.map(encode),
    optimizer: { step: c.optimizer.step, updates: c.optimizer.updates, m: encode(c.optimizer.m), v: encode(c.optimizer.v) },
    meta,
  };
  writeFileAtomic(path, JSON.stringify(file), 'checkpoint');
}

export function loadCheckpoint(path: string): Checkpoint & { meta?: Record<string, unknown> } {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  if (!json || json.format !== CHECKPOINT_FORMAT) throw new Error(`${path} is not a gaugeflow checkpoint (format field missing or wrong)`);
  if (json.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint ${path} has format version ${json.version}; this gaugeflow reads version ${CHECKPOINT_VERSION}`);
  try {
    const opt = json.optimizer as Record<string, unknown>;
    if (!Array.isArray(json.weights) || !opt || typeof opt !== 'object') throw new Error('weights or optimizer state missing');
    const optimizer = { step: Number(opt.step), updates: Number(opt.updates), m: decode(opt.m, Float64Array, 'optimizer.m'), v: decode(opt.v, Float64Array, 'optimizer.v') };
    const weights = json.weights.map((w, i) => decode(w, Float32Array, `weights[${i}]`));
    const n = weights.reduce((s, w) => s + w.length, 0);
    if (optimizer.m.length !== n || optimizer.v.length !== n) throw new Error(`optimizer moments have ${optimizer.m.length}/${optimizer.v.length} values for ${n} weights`);
    if (!Number.isInteger(optimizer.step) || optimizer.step !== json.step || !Number.isInteger(optimizer.updates)) throw new Error('inconsistent step counts');
    const out: Checkpoint & { meta?: Record<string, unknown> } = { step: optimizer.step, weights, optimizer, seconds: Number(json.seconds) };
    if (json.meta && typeof json.meta === 'object') out.meta = json.meta as Record<string, unknown>;
    return out;
  } catch (e) {
    throw new Error(`checkpoint ${path} is damaged: ${(e as Error).message}`);
  }
}
