/**
 * Configuration files: one JSON header line, space-padded so the payload starts on an 8-byte boundary,
 * then the little-endian float64 payload (U(1): angles; SU(N): link matrices in the field layout).
 * Writes go to `path.tmp-<pid>` (plus `-t<threadId>` inside a worker thread), are fsynced and renamed into place, so a reader never sees a half-written file.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { threadId } from 'node:worker_threads';
import { makeLattice } from './geometry.ts';
import { type Group, groupName, linkSize, parseGroup, sameGroup } from './group.ts';
import { type GaugeField, type SUNField, type U1Field } from './field.ts';
import { sunError } from './matrix.ts';

export const CONFIG_MAGIC = 'gaugeflow-config';
export const CONFIG_FORMAT_VERSION = 1;

export interface ConfigHeader {
  magic: typeof CONFIG_MAGIC;
  formatVersion: number;
  /** 'u1', 'su2', 'su3', … */
  group: string;
  /** 1 for U(1) */
  N: number;
  dims: number;
  extents: number[];
  beta: number | null;
  dtype: 'float64';
  endianness: 'little';
  payloadBytes: number;
  /** 'sha256:<hex>' of the payload bytes */
  checksum: string;
  createdAt: string;
  /** any further caller metadata (sampler, seed, trajectory, …) */
  meta: Record<string, unknown>;
}

const LE = endianness() === 'LE';

function payloadOf(field: GaugeField): Uint8Array {
  const data = field.group.kind === 'u1' ? (field as U1Field).theta : (field as SUNField).links;
  if (LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength), dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat64(8 * i, data[i], true);
  return out;
}

function sha256(bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

export function saveConfig(path: string, field: GaugeField, meta: { beta?: number; [k: string]: unknown } = {}): void {
  const lat = field.lattice;
  const expected = lat.volume * lat.dims * linkSize(field.group);
  const data = field.group.kind === 'u1' ? (field as U1Field).theta : (field as SUNField).links;
  if (!data || data.length !== expected) throw new Error(`saveConfig: field has ${data?.length} values, expected ${expected} for ${groupName(field.group)} on ${lat.extents.join('x')}`);
  const payload = payloadOf(field);
  const { beta, ...rest } = meta;
  if (beta !== undefined && !Number.isFinite(beta)) throw new Error(`saveConfig: beta must be finite, got ${beta}`);
  const header: ConfigHeader = {
    magic: CONFIG_MAGIC,
    formatVersion: CONFIG_FORMAT_VERSION,
    group: groupName(field.group),
    N: field.group.kind === 'u1' ? 1 : field.group.N,
    dims: lat.dims,
    extents: [...lat.extents],
    beta: beta ?? null,
    dtype: 'float64',
    endianness: 'little',
    payloadBytes: payload.byteLength,
    checksum: sha256(payload),
    createdAt: new Date().toISOString(),
    meta: rest,
  };
  let text = JSON.stringify(header);
  const len = Buffer.byteLength(text, 'utf8') + 1;
  text += ' '.repeat((8 - (len % 8)) % 8) + '\n';
  // pid plus worker-thread id: chains running as threads of one process never share a temporary name
  const tmp = threadId ? `${path}.tmp-${process.pid}-t${threadId}` : `${path}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, Buffer.from(text, 'utf8'));
    let off = 0;
    while (off < payload.byteLength) off += writeSync(fd, payload, off, payload.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already failing */ }
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}

const MAX_HEADER = 1 << 20;

export function loadConfig(
  path: string,
  expect: { group?: Group; extents?: readonly number[] } = {},
): { field: GaugeField; header: ConfigHeader } {
  const bytes = readFileSync(path);
  const where = `loadConfig(${path})`;
  const nl = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (nl < 0) throw new Error(`${where}: bad magic — not a gaugeflow config (no header line)`);
  let header: ConfigHeader;
  try {
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8'));
  } catch {
    throw new Error(`${where}: bad magic — header line is not JSON, not a gaugeflow config`);
  }
  if (!header || typeof header !== 'object' || header.magic !== CONFIG_MAGIC) {
    throw new Error(`${where}: bad magic ${JSON.stringify((header as { magic?: unknown })?.magic)}, expected "${CONFIG_MAGIC}"`);
  }
  if (header.formatVersion !== CONFIG_FORMAT_VERSION) {
    throw new Error(`${where}: unsupported formatVersion ${header.formatVersion} (this reader handles ${CONFIG_FORMAT_VERSION})`);
  }
  if (header.dtype !== 'float64' || header.endianness !== 'little') {
    throw new Error(`${where}: unsupported payload encoding ${header.dtype}/${header.endianness}`);
  }
  let group: Group;
  try {
    group = parseGroup(String(header.group), header.group === 'u1' ? undefined : header.N);
  } catch (e) {
    throw new Error(`${where}: bad group in header: ${(e as Error).message}`);
  }
  if (!Array.isArray(header.extents) || header.extents.length !== header.dims) {
    throw new Error(`${where}: bad shape in header: dims ${header.dims} vs extents ${JSON.stringify(header.extents)}`);
  }
  let lattice;
  try {
    lattice = makeLattice(header.extents);
  } catch (e) {
    throw new Error(`${where}: bad shape in header: ${(e as Error).message}`);
  }
  if (expect.group && !sameGroup(expect.group, group)) {
    throw new Error(`${where}: wrong group — file holds ${groupName(group)}, expected ${groupName(expect.group)}`);
  }
  if (expect.extents && (expect.extents.length !== header.extents.length || expect.extents.some((L, i) => L !== header.extents[i]))) {
    throw new Error(`${where}: wrong shape — file holds extents ${header.extents.join('x')}, expected ${expect.extents.join('x')}`);
  }
  const nValues = lattice.volume * lattice.dims * linkSize(group);
  if (header.payloadBytes !== nValues * 8) {
    throw new Error(`${where}: header payloadBytes ${header.payloadBytes} does not match shape ${header.extents.join('x')} ${groupName(group)} (${nValues * 8} bytes)`);
  }
  const payload = bytes.subarray(nl + 1);
  if (payload.byteLength < header.payloadBytes) {
    throw new Error(`${where}: truncated file — payload has ${payload.byteLength} of ${header.payloadBytes} bytes`);
  }
  if (payload.byteLength > header.payloadBytes) {
    throw new Error(`${where}: ${payload.byteLength - header.payloadBytes} unexpected trailing bytes after the payload`);
  }
  const sum = sha256(payload);
  if (sum !== header.checksum) throw new Error(`${where}: checksum mismatch — payload ${sum}, header ${header.checksum}`);
  const data = new Float64Array(nValues);
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let i = 0; i < nValues; i++) data[i] = dv.getFloat64(8 * i, true);
  for (let i = 0; i < nValues; i++) if (!Number.isFinite(data[i])) throw new Error(`${where}: non-finite value at payload index ${i}`);
  let field: GaugeField;
  if (group.kind === 'u1') {
    field = { group, lattice, theta: data };
  } else {
    const N = group.N, m = 2 * N * N;
    for (let l = 0; l < lattice.volume * lattice.dims; l++) {
      const e = sunError(data, l * m, N);
      if (!(e < 1e-8)) throw new Error(`${where}: link ${l} is not in SU(${N}) (deviation ${e.toExponential(2)})`);
    }
    field = { group, lattice, links: data };
  }
  return { field, header };
}
