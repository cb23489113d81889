/**
 * Memory a run will hold, estimated before anything is allocated, so that the CLI can refuse a run
 * that cannot fit (src/cli/preflight.ts) instead of swapping or being killed half-way.
 *
 * Baseline chains (bytes per link, counted from the arrays the kernels allocate; test/samplers/
 * memory.test.ts checks them against the measured peak of `process.memoryUsage().arrayBuffers`):
 * - Every kernel: the lattice's neighbour table, 2d int32 per site = 8 per link.
 * - U(1) field: 8 (one angle). HMC (samplers/hmc_u1.ts): θ, p, force, θ_old, force_old (5 × 8), the
 *   plaquette sines and index and the link→plaquette tables (20 per extra dimension), and 8 of
 *   set-up temporaries: 48 + 20 (d − 1) + 8. Heat bath: the field, 8 + 8.
 * - SU(N) field: 16 N² (N×N complex). HMC (samplers/hmc_sun.ts): links, p, force, links_old,
 *   force_old (5 × 16 N²) and the Gaussian draws 8 (N² − 1), + 8. Heat bath: the field, 16 N² + 8.
 * Per chain on top: the measurement series (grown by doubling, then trimmed: at most 3 copies of
 * n × observables × 8 bytes) and, for HMC, e^{−ΔH} per update (at most 3 × updates × 8).
 * Flow chains hold no field per chain: each in-flight proposal batch holds its draws in float32 and
 * float64 and the conditioner's activations, and for SU(N) the complex N×N matrices one spectral
 * layer keeps alive (a rough bound, see flowBatchBytes).
 */
import type { SamplerSpec } from './registry.ts';

export interface MemoryEstimate {
  /** bytes held by one chain (its field, sampler arrays and measurements) */
  perChain: number;
  /** bytes the run holds in total (all chains, in-flight batches) */
  total: number;
  /** the size of one gauge field, for messages */
  fieldBytes: number;
  /** how the total is made up, in words */
  detail: string;
}

function groupN(spec: Pick<SamplerSpec, 'group' | 'N'>): number {
  return spec.group === 'u1' ? 1 : spec.group === 'su2' ? 2 : spec.group === 'su3' ? 3 : (spec.N ?? 2);
}

/** Number of links of a d-dimensional L^d lattice (as a float: it may exceed 2^53 only in absurd requests). */
export function linkCount(dims: number, L: number): number {
  return dims * L ** dims;
}

/** Bytes of one gauge field. */
export function fieldBytes(spec: Pick<SamplerSpec, 'group' | 'N' | 'dims' | 'L'>): number {
  const N = groupN(spec);
  return linkCount(spec.dims, spec.L) * (spec.group === 'u1' ? 8 : 16 * N * N);
}

/** Bytes per link held by a baseline kernel, field included. */
export function kernelBytesPerLink(spec: Pick<SamplerSpec, 'sampler' | 'group' | 'N' | 'dims'>): number {
  const N = groupN(spec);
  const neighbours = 8;
  if (spec.group === 'u1') return spec.sampler === 'hmc' ? 48 + 20 * (spec.dims - 1) + neighbours : 8 + neighbours;
  return (spec.sampler === 'hmc' ? 5 * 16 * N * N + 8 * (N * N - 1) : 16 * N * N) + neighbours;
}

export interface RunShape {
  chains: number;
  nPerChain: number;
  therm: number;
  measEvery: number;
  /** observables measured per configuration */
  observables: number;
  /** worker threads (flow: batches in flight) */
  workers: number;
}

/**
 * Float32 complex N×N matrices per site one SU(N) spectral layer keeps alive in its forward pass
 * (src/flows/sun/coupling.ts: components, staples, loops, eigenvectors, rebuilt loops and links,
 * the plaquette powers of the conditioner's features, allocator slack), set from a measurement: a 2D
 * SU(3) L = 8 flow's batch of 256 draws adds ≈ 90 MiB to the peak RSS of `gaugeflow sample`.
 */
const SUN_LAYER_MATRICES = 64;

/**
 * Rough peak bytes of one flow proposal batch: the draws (float32 links, float64 copies for the
 * action and observables) and the conditioner's activations, of `channels` (≥ the widest layer)
 * per site, a few alive at once; for SU(N) (2N² values per link) also the matrices of one
 * spectral layer (SUN_LAYER_MATRICES).
 */
export function flowBatchBytes(spec: Pick<SamplerSpec, 'dims' | 'L'> & Partial<Pick<SamplerSpec, 'group' | 'N'>>, batch: number, channels = 16): number {
  const sites = spec.L ** spec.dims;
  const sun = spec.group !== undefined && spec.group !== 'u1';
  const values = sun ? 2 * groupN(spec as Pick<SamplerSpec, 'group' | 'N'>) ** 2 : 1;
  const layer = sun ? SUN_LAYER_MATRICES * values * 4 : 0;
  return batch * sites * (spec.dims * values * (4 + 8 + 8) + 4 * channels * 4 + layer);
}

/** Estimate before allocating (no array of the run's size is created here). */
export function estimateRunMemory(spec: SamplerSpec, run: RunShape): MemoryEstimate {
  const series = 3 * run.nPerChain * run.observables * 8;
  const boltzmann = spec.sampler === 'hmc' ? 3 * (run.therm + run.nPerChain * run.measEvery) * 8 : 0;
  const field = fieldBytes(spec);
  if (spec.sampler === 'flow') {
    const batch = spec.batch ?? 256;
    const inFlight = Math.max(1, run.workers);
    const perBatch = flowBatchBytes(spec, batch);
    const perChain = series;
    return {
      perChain,
      fieldBytes: field,
      total: run.chains * perChain + inFlight * perBatch,
      detail: `${inFlight} proposal batch${inFlight > 1 ? 'es' : ''} of ${batch} draws in flight (≈ ${formatBytes(perBatch)} each) + measurements ${formatBytes(perChain)} per chain`,
    };
  }
  const perChain = linkCount(spec.dims, spec.L) * kernelBytesPerLink(spec) + series + boltzmann;
  return {
    perChain,
    fieldBytes: field,
    total: run.chains * perChain,
    detail: `${formatBytes(perChain)} per chain (one field is ${formatBytes(field)}; ${spec.sampler} holds ≈ ${(kernelBytesPerLink(spec) / (field / linkCount(spec.dims, spec.L))).toFixed(1)} fields) × ${run.chains} chain${run.chains > 1 ? 's' : ''}`,
  };
}

/** 1536 → "1.5 KiB"; binary units, three significant digits. */
export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = b;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x.toFixed(0) : x.toPrecision(3)} ${units[i]}`;
}
