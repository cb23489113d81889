/**
 * Proposal shard files (docs/design.md § Sharded proposal generation).
 *
 *   header   one JSON line (ShardHeader), space-padded so the payload starts on an 8-byte boundary
 *   payload  one record per batch of the shard's range, in global batch order; a record is
 *            little-endian float64:
 *              start log w, start observables (nObs)   the chain start supplied when batch 0 of a
 *                                                      chain has a failed first draw; log w = NaN
 *                                                      when there is none
 *              log w (n)                               log p − log q per draw (−∞: failed draw)
 *              observables (n × nObs, row-major)       NaN rows for failed draws
 *              configurations (n × configValues)       only with --save-configs, lattice layout
 *   trailer  `sha256:<64 hex>\n` of header line and payload
 *
 * Nothing in the file depends on when or where it was made (no timestamps, no host names): drawing
 * the same shard twice gives the same bytes. Times go to a separate sidecar (src/shards/propose.ts).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { endianness } from 'node:os';
import type { FlowBatchResult } from '../../samplers/flow_batch.ts';
import type { FieldProposalSpec } from '../../samplers/types.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { AtomicFile } from '../io/write-atomic.ts';
import { shardRange, type BatchRange, type ShardId } from './layout.ts';

export const SHARD_FORMAT = 'gaugeflow-shard';
export const SHARD_VERSION = 1;
const TRAILER_BYTES = 72; // 'sha256:' + 64 hex + '\n'
const MAX_HEADER = 1 << 20;

/** What defines the run: identical in every shard of one run (compared by merge). */
export interface ShardRun {
  seed: string;
  chains: number;
  nPerChain: number;
  therm: number;
  measEvery: number;
  /** the sampler spec without its proposal (whose paths may differ between machines) */
  spec: Omit<SamplerSpec, 'proposal'> & { batch: number };
  /** sha256 of the model file's bytes */
  modelSha256: string;
  wilsonLoops: [number, number][];
  observables: string[];
  batchesPerChain: number;
  totalBatches: number;
  /** float64 values per saved configuration (0: configurations not saved) */
  configValues: number;
}

export interface ShardHeader {
  format: typeof SHARD_FORMAT;
  version: number;
  run: ShardRun;
  shard: ShardId;
  /** global batches [first, end), g = b·chains + k (src/shards/layout.ts) */
  batches: BatchRange;
  /** float64 values per batch record */
  recordDoubles: number;
  payloadBytes: number;
  /** the numerics backend that drew the proposals */
  backend: string;
  /** the model file as given to propose, and the proposal spec (informational: paths) */
  model: string;
  proposal: FieldProposalSpec;
}

export function recordDoubles(run: Pick<ShardRun, 'observables' | 'spec' | 'configValues'>): number {
  const m = run.observables.length;
  const n = run.spec.batch;
  return 1 + m + n * (1 + m) + n * run.configValues;
}

const LE = endianness() === 'LE';

function bytesOf(a: Float64Array): Uint8Array {
  if (LE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat64(8 * i, a[i]!, true);
  return out;
}

function doublesOf(b: Uint8Array): Float64Array {
  const out = new Float64Array(b.byteLength / 8);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(8 * i, true);
  return out;
}

/** The header line: JSON, space-padded to a multiple of 8 bytes including its newline. */
function headerLine(h: ShardHeader): Buffer {
  let text = JSON.stringify(h);
  const len = Buffer.byteLength(text, 'utf8') + 1;
  text += ' '.repeat((8 - (len % 8)) % 8) + '\n';
  return Buffer.from(text, 'utf8');
}

/** Builds a header with the derived fields (record size, payload size) filled in. */
export function makeHeader(h: Omit<ShardHeader, 'format' | 'version' | 'recordDoubles' | 'payloadBytes'>): ShardHeader {
  const rec = recordDoubles(h.run);
  return {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    run: h.run,
    shard: h.shard,
    batches: h.batches,
    recordDoubles: rec,
    payloadBytes: (h.batches.end - h.batches.first) * rec * 8,
    backend: h.backend,
    model: h.model,
    proposal: h.proposal,
  };
}

/** Bytes of a whole shard file with this header. */
export function shardFileBytes(h: ShardHeader): number {
  return headerLine(h).byteLength + h.payloadBytes + TRAILER_BYTES;
}

/** Writes one shard batch by batch, in range order, to a temporary file renamed on commit. */
export class ShardWriter {
  private readonly file: AtomicFile;
  private readonly hash: Hash;
  private written = 0;

  constructor(
    readonly path: string,
    readonly header: ShardHeader,
  ) {
    this.file = new AtomicFile(path, 'shard file');
    this.hash = createHash('sha256');
    this.put(headerLine(header));
  }

  private put(b: Uint8Array): void {
    this.hash.update(b);
    this.file.write(b);
  }

  /** The next batch of the range (as drawn by samplers/flow_batch.ts). */
  writeBatch(r: FlowBatchResult): void {
    const h = this.header;
    const n = h.run.spec.batch;
    const m = h.run.observables.length;
    const cv = h.run.configValues;
    if (this.written >= h.batches.end - h.batches.first) throw new Error(`shard file ${this.path}: more batches than its range ${h.batches.first}..${h.batches.end - 1}`);
    if (r.logw.length !== n || r.obs.length !== n * m) throw new Error(`shard file ${this.path}: a batch of ${r.logw.length} draws × ${r.obs.length / Math.max(r.logw.length, 1)} observables, expected ${n} × ${m}`);
    if (cv > 0 && r.fields?.length !== n * cv) throw new Error(`shard file ${this.path}: batch without its ${n} configurations`);
    const start = new Float64Array(1 + m).fill(NaN);
    if (r.start) {
      start[0] = r.start.logw;
      start.set(r.start.obs, 1);
    }
    this.put(bytesOf(start));
    this.put(bytesOf(r.logw));
    this.put(bytesOf(r.obs));
    if (cv > 0) this.put(bytesOf(r.fields!));
    this.written++;
  }

  commit(): void {
    const h = this.header;
    const want = h.batches.end - h.batches.first;
    if (this.written !== want) {
      this.file.abort();
      throw new Error(`shard file ${this.path}: ${this.written} of ${want} batches written`);
    }
    this.file.write(Buffer.from(`sha256:${this.hash.digest('hex')}\n`, 'ascii'));
    this.file.commit();
  }

  abort(): void {
    this.file.abort();
  }
}

function fail(path: string, what: string): never {
  throw new Error(`shard file ${path}: ${what}`);
}

const isInt = (x: unknown, min = 0): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min;

/** Checks every field merge relies on; returns the header. */
function validateHeader(path: string, h: ShardHeader): ShardHeader {
  if (!h || typeof h !== 'object') fail(path, 'header is not a JSON object');
  if (h.format !== SHARD_FORMAT) fail(path, `not a gaugeflow proposal shard (format ${JSON.stringify((h as { format?: unknown }).format)})`);
  if (h.version !== SHARD_VERSION) fail(path, `format version ${String(h.version)}; this gaugeflow reads version ${SHARD_VERSION}`);
  const r = h.run;
  if (!r || typeof r !== 'object') fail(path, 'header has no run');
  for (const k of ['chains', 'nPerChain', 'measEvery', 'batchesPerChain'] as const) if (!isInt(r[k], 1)) fail(path, `header run.${k} is not a positive integer`);
  for (const k of ['therm', 'totalBatches', 'configValues'] as const) if (!isInt(r[k])) fail(path, `header run.${k} is not an integer ≥ 0`);
  if (typeof r.seed !== 'string') fail(path, 'header run.seed is not a string');
  if (!r.spec || r.spec.sampler !== 'flow' || !isInt(r.spec.batch, 1)) fail(path, 'header run.spec is not a flow spec with a batch size');
  if (!Array.isArray(r.observables) || r.observables.length === 0 || !r.observables.every((s) => typeof s === 'string')) fail(path, 'header run.observables missing');
  if (r.totalBatches !== r.chains * r.batchesPerChain) fail(path, `header run.totalBatches ${r.totalBatches} ≠ chains ${r.chains} × batchesPerChain ${r.batchesPerChain}`);
  if (Math.ceil((r.therm + r.nPerChain * r.measEvery) / r.spec.batch) !== r.batchesPerChain) fail(path, 'header run.batchesPerChain does not cover therm + n·measEvery draws');
  const s = h.shard;
  if (!s || !isInt(s.count, 1) || !isInt(s.index) || s.index >= s.count) fail(path, 'header shard is not {index, count} with 0 ≤ index < count');
  const want = shardRange(r.totalBatches, s);
  if (!h.batches || h.batches.first !== want.first || h.batches.end !== want.end)
    fail(path, `header batch range ${JSON.stringify(h.batches)} is not the range of shard ${s.index}/${s.count} (${want.first}..${want.end - 1})`);
  if (h.recordDoubles !== recordDoubles(r)) fail(path, `header recordDoubles ${h.recordDoubles}, expected ${recordDoubles(r)}`);
  if (h.payloadBytes !== (want.end - want.first) * h.recordDoubles * 8) fail(path, 'header payloadBytes does not match its batch range');
  if (typeof h.backend !== 'string') fail(path, 'header backend missing');
  return h;
}

/** Reads `len` bytes at `pos` (throws on a short read). */
function readAt(fd: number, pos: number, len: number, path: string): Uint8Array {
  const buf = new Uint8Array(len);
  let got = 0;
  while (got < len) {
    const k = readSync(fd, buf, got, len - got, pos + got);
    if (k === 0) fail(path, `truncated (read ${pos + got} bytes)`);
    got += k;
  }
  return buf;
}

export interface OpenShard {
  path: string;
  header: ShardHeader;
  /** byte offset of the payload */
  payloadAt: number;
}

/**
 * Reads and validates a shard's header, its size and its checksum (the whole file is hashed,
 * streamed in 4 MiB pieces). A truncated, padded, corrupt or foreign file is an error naming it.
 */
export function openShard(path: string): OpenShard {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`cannot read shard file ${path}: ${(e as Error).message}`);
  }
  try {
    const size = statSync(path).size;
    const head = readAt(fd, 0, Math.min(size, MAX_HEADER), path);
    const nl = head.indexOf(0x0a);
    if (nl < 0) fail(path, 'no header line (not a gaugeflow proposal shard)');
    let h: ShardHeader;
    try {
      h = JSON.parse(Buffer.from(head.subarray(0, nl)).toString('utf8'));
    } catch {
      fail(path, 'header line is not JSON (corrupt, or not a gaugeflow proposal shard)');
    }
    validateHeader(path, h);
    const payloadAt = nl + 1;
    const expected = payloadAt + h.payloadBytes + TRAILER_BYTES;
    if (size < expected) fail(path, `truncated: ${size} bytes, expected ${expected}`);
    if (size > expected) fail(path, `${size - expected} unexpected bytes after the checksum`);
    const hash = createHash('sha256');
    const CHUNK = 4 << 20;
    for (let pos = 0; pos < size - TRAILER_BYTES; pos += CHUNK) hash.update(readAt(fd, pos, Math.min(CHUNK, size - TRAILER_BYTES - pos), path));
    const trailer = Buffer.from(readAt(fd, size - TRAILER_BYTES, TRAILER_BYTES, path)).toString('ascii');
    const sum = `sha256:${hash.digest('hex')}\n`;
    if (trailer !== sum) fail(path, `checksum mismatch (file says ${JSON.stringify(trailer.trim())}, content is ${sum.trim()}): corrupt`);
    return { path, header: h, payloadAt };
  } finally {
    closeSync(fd);
  }
}

/** One record as read back: the batch's draws and, when there was one, the chain start. */
export interface ShardRecord {
  /** global batch index */
  g: number;
  logw: Float64Array;
  obs: Float64Array;
  start?: { logw: number; obs: Float64Array };
}

/** The records of an opened shard, in order (configurations are skipped, never read). */
export function* shardRecords(s: OpenShard): Generator<ShardRecord> {
  const h = s.header;
  const n = h.run.spec.batch;
  const m = h.run.observables.length;
  const weightDoubles = 1 + m + n * (1 + m);
  const fd = openSync(s.path, 'r');
  try {
    for (let g = h.batches.first; g < h.batches.end; g++) {
      const at = s.payloadAt + (g - h.batches.first) * h.recordDoubles * 8;
      const d = doublesOf(readAt(fd, at, weightDoubles * 8, s.path));
      const rec: ShardRecord = { g, logw: d.subarray(1 + m, 1 + m + n), obs: d.subarray(1 + m + n) };
      if (!Number.isNaN(d[0]!)) rec.start = { logw: d[0]!, obs: d.subarray(1, 1 + m) };
      yield rec;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The configurations of one record (--save-configs shards): n × configValues values. For readers of
 * saved configurations; merge never needs them.
 */
export function shardConfigs(s: OpenShard, g: number): Float64Array {
  const h = s.header;
  if (h.run.configValues === 0) fail(s.path, 'the shard holds no configurations (drawn without --save-configs)');
  if (g < h.batches.first || g >= h.batches.end) fail(s.path, `batch ${g} is not in the shard's range ${h.batches.first}..${h.batches.end - 1}`);
  const n = h.run.spec.batch;
  const m = h.run.observables.length;
  const at = s.payloadAt + ((g - h.batches.first) * h.recordDoubles + 1 + m + n * (1 + m)) * 8;
  const fd = openSync(s.path, 'r');
  try {
    return doublesOf(readAt(fd, at, n * h.run.configValues * 8, s.path));
  } finally {
    closeSync(fd);
  }
}
