/**
 * `gaugeflow exact`: exact reference values (docs/design.md, "Exact reference results") for checking any sampler.
 *   2D U(1), periodic L×L:      ⟨cos θ_P⟩, ⟨Q²⟩, χ_t = ⟨Q²⟩/V   (finite volume by default)
 *   2D SU(N):                   ⟨(1/N) Re tr P⟩                (infinite volume by default,
 *                                                               periodic L×L with --volume finite)
 *   single matrix (--target single): p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k), ⟨(1/N) Re tr U⟩, ln(Z/Z_Haar)
 *   --loops RxT,…: Wilson loops (lattice targets); --charges: U(1) charge distribution P(Q)
 * Pure float64 TypeScript: this command must not load TensorFlow.js.
 */
import { flagHelp, parseFlags, UsageError, type FlagSpecs } from './args.ts';
import { u1ChargeDistribution2D, u1Exact2D, u1Infinite2D, u1WilsonLoop2D } from '../../lattices/exact/u1.ts';
import {
  sunExact2D, sunPlaquetteInfinite, sunSinglePlaquette, sunWilsonLoop2D, sunWilsonLoopInfinite,
} from '../../lattices/exact/sun.ts';
import { singleMatrixSUN, singleMatrixU1, SINGLE_MATRIX_MAX_N } from '../../lattices/exact/single-matrix.ts';

const specs = {
  group: { type: 'string', choices: ['u1', 'su2', 'su3', 'suN'], help: 'gauge group (suN needs --N)' },
  N: { type: 'int', min: 2, help: 'N of SU(N) for --group suN' },
  dims: { type: 'int', default: 2, min: 1, help: 'lattice dimension (exact results exist for 2 only)' },
  L: { type: 'int', min: 2, help: 'lattice extent (periodic L×L); needed for finite volume' },
  beta: { type: 'number', min: 0, help: 'inverse coupling β ≥ 0' },
  target: { type: 'string', choices: ['lattice', 'single'], default: 'lattice', help: 'lattice theory or single-matrix density' },
  coeffs: { type: 'numbers', help: 'single-matrix coefficients c1,c2,… of (β/N) Re tr Σ c_k U^k [default 1]' },
  volume: { type: 'string', choices: ['finite', 'infinite'], help: 'default: finite for u1, infinite for SU(N)' },
  loops: { type: 'string', help: 'Wilson loops R×T, e.g. 1x1,2x2,2x3 (lattice targets; R, T < L on a torus)' },
  charges: { type: 'boolean', help: 'U(1) finite volume: the exact distribution P(Q) and ⟨Q⁴⟩' },
  json: { type: 'boolean', help: 'print one JSON object' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpecs;

export interface ExactRequest {
  group: 'u1' | 'su2' | 'su3' | 'suN';
  N?: number;
  dims?: number;
  L?: number;
  beta: number;
  target?: 'lattice' | 'single';
  coeffs?: number[];
  volume?: 'finite' | 'infinite';
  /** Wilson loops as [R, T] */
  loops?: [number, number][];
  charges?: boolean;
}

export interface ExactResult {
  command: 'exact';
  group: string;
  N: number;
  dims: number;
  L: number | null;
  beta: number;
  target: 'lattice' | 'single';
  coeffs: number[] | null;
  volume: 'finite' | 'infinite';
  /** U(1): ⟨cos θ_P⟩; SU(N): ⟨(1/N) Re tr P⟩; single matrix: ⟨(1/N) Re tr U⟩ */
  plaquette: number;
  Q2: number | null;
  chi: number | null;
  retr: number | null;
  logZ: number | null;
  /** ⟨(1/N) Re tr W(R×T)⟩ keyed "RxT", when --loops was given */
  wilson?: Record<string, number>;
  /** U(1) with --charges: P(Q) for Q = −Qmax..Qmax, and ⟨Q⁴⟩ */
  charges?: { Q: number[]; P: number[] };
  Q4?: number;
  backend: 'none';
}

/** "1x1,2x3" → [[1,1],[2,3]] */
export function parseLoops(raw: string): [number, number][] {
  return raw.split(',').map((item) => {
    const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(item);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--loops expects RxT items like 2x3, got '${item}'`);
    return [Number(m[1]), Number(m[2])];
  });
}

/** Validate a request and compute the exact values. Bad combinations are UsageErrors. */
export function computeExact(req: ExactRequest): ExactResult {
  const group = req.group;
  let N: number;
  if (group === 'u1') N = 1;
  else if (group === 'su2') N = 2;
  else if (group === 'su3') N = 3;
  else {
    if (req.N === undefined) throw new UsageError('--group suN requires --N');
    N = req.N;
  }
  if (req.N !== undefined && req.N !== N) throw new UsageError(`--N ${req.N} contradicts --group ${group}`);
  const beta = req.beta;
  if (!Number.isFinite(beta) || beta < 0) throw new UsageError(`--beta must be a finite number ≥ 0, got ${beta}`);
  const dims = req.dims ?? 2;
  const L = req.L ?? null;
  if (L !== null && (!Number.isInteger(L) || L < 2)) throw new UsageError(`--L must be an integer ≥ 2, got ${L}`);
  const target = req.target ?? 'lattice';
  const base = { command: 'exact' as const, group, N, dims, L, beta, target, backend: 'none' as const };

  if (target === 'single') {
    const coeffs = req.coeffs ?? [1];
    if (req.volume === 'infinite') throw new UsageError('--volume infinite does not apply to --target single');
    if (req.loops) throw new UsageError('--loops applies only to lattice targets');
    if (req.charges) throw new UsageError('--charges applies only to 2D U(1) in finite volume');
    if (N > SINGLE_MATRIX_MAX_N && coeffs.length > 1) {
      throw new UsageError(
        `single-matrix targets with several coefficients are exact for N ≤ ${SINGLE_MATRIX_MAX_N} only (torus quadrature); got N = ${N}`,
      );
    }
    const r = N === 1 ? singleMatrixU1(beta, coeffs) : singleMatrixSUN(N, beta, coeffs);
    return { ...base, coeffs, volume: 'finite', plaquette: r.retr, Q2: null, chi: null, retr: r.retr, logZ: r.logZ };
  }

  if (req.coeffs !== undefined) throw new UsageError('--coeffs applies only to --target single');
  if (dims !== 2) {
    throw new UsageError(`exact lattice results are known only for --dims 2 (got ${dims}); use --target single for one matrix`);
  }
  const volume = req.volume ?? (group === 'u1' ? 'finite' : 'infinite');
  if (volume === 'finite' && L === null) throw new UsageError('finite volume needs --L (or pass --volume infinite)');
  if (req.charges && !(group === 'u1' && volume === 'finite')) {
    throw new UsageError('--charges applies only to 2D U(1) in finite volume');
  }
  for (const [R, T] of req.loops ?? []) {
    if (volume === 'finite' && (R >= L! || T >= L!)) {
      throw new UsageError(`Wilson loop ${R}x${T} must fit inside the ${L}x${L} torus (R, T < L)`);
    }
  }
  const none = { coeffs: null, retr: null } as const;
  let out: ExactResult;
  if (group === 'u1') {
    if (volume === 'finite') {
      const r = u1Exact2D(beta, L!);
      out = { ...base, ...none, volume, plaquette: r.plaquette, Q2: r.Q2, chi: r.chi, logZ: r.logZ };
    } else {
      const r = u1Infinite2D(beta);
      out = { ...base, ...none, volume, plaquette: r.plaquette, Q2: null, chi: r.chi, logZ: r.logZ };
    }
  } else if (volume === 'finite') {
    const r = sunExact2D(N, beta, L!);
    out = { ...base, ...none, volume, plaquette: r.plaquette, Q2: null, chi: null, logZ: r.logZ };
  } else {
    // Free energy per plaquette in infinite volume: ln z(β).
    const z = sunSinglePlaquette(N, beta);
    out = { ...base, ...none, volume, plaquette: z.retr, Q2: null, chi: null, logZ: z.logZ };
  }
  if (req.loops) {
    const wilson: Record<string, number> = {};
    for (const [R, T] of req.loops) {
      let w: number;
      if (group === 'u1') w = volume === 'finite' ? u1WilsonLoop2D(beta, L!, R, T) : out.plaquette ** (R * T);
      else w = volume === 'finite' ? sunWilsonLoop2D(N, beta, L!, R, T) : sunWilsonLoopInfinite(N, beta, R * T);
      wilson[`${R}x${T}`] = w;
    }
    out.wilson = wilson;
  }
  if (req.charges) {
    const d = u1ChargeDistribution2D(beta, L!);
    out.charges = { Q: d.Q, P: d.P };
    out.Q4 = d.Q4;
  }
  return out;
}

/** Inputs first, then results, then provenance: stable, readable JSON. */
function ordered(r: ExactResult): ExactResult {
  const { command, group, N, dims, L, beta, target, coeffs, volume, plaquette, Q2, chi, retr, logZ, wilson, charges, Q4, backend } = r;
  const extra = { ...(wilson ? { wilson } : {}), ...(Q4 !== undefined ? { Q4 } : {}), ...(charges ? { charges } : {}) };
  return { command, group, N, dims, L, beta, target, coeffs, volume, plaquette, Q2, chi, retr, logZ, ...extra, backend };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(10);
}

function table(r: ExactResult): string {
  const groupName = r.group === 'u1' ? 'U(1)' : `SU(${r.N})`;
  const rows: [string, number | null][] = [];
  let title: string;
  if (r.target === 'single') {
    title = `${groupName} single matrix, p(U) ∝ exp((β/N) Re tr Σ c_k U^k), β = ${r.beta}, c = (${r.coeffs!.join(', ')})`;
    rows.push(['<(1/N) Re tr U>', r.retr], ['ln(Z/Z_Haar)', r.logZ]);
  } else {
    const where = r.volume === 'finite' ? `periodic ${r.L}x${r.L} (V = ${r.L! * r.L!} plaquettes)` : 'infinite volume';
    title = `2D ${groupName} Wilson action, β = ${r.beta}, ${where}`;
    if (r.group === 'u1') {
      rows.push(['<cos theta_P>', r.plaquette], ['<Q^2>', r.Q2], ['chi_t = <Q^2>/V', r.chi]);
      rows.push([r.volume === 'finite' ? 'ln Z' : 'ln Z per plaquette', r.logZ]);
    } else {
      rows.push(['<(1/N) Re tr P>', r.plaquette], [r.volume === 'finite' ? 'ln Z' : 'ln z per plaquette', r.logZ]);
    }
  }
  for (const [k, v] of Object.entries(r.wilson ?? {})) rows.push([`W(${k})`, v]);
  if (r.Q4 !== undefined) rows.push(['<Q^4>', r.Q4]);
  if (r.charges) {
    r.charges.Q.forEach((q, i) => {
      if (r.charges!.P[i]! > 1e-12) rows.push([`P(Q = ${q})`, r.charges!.P[i]!]);
    });
  }
  const shown = rows.filter(([, v]) => v !== null) as [string, number][];
  const w = Math.max(...shown.map(([k]) => k.length));
  return [title, ...shown.map(([k, v]) => `  ${k.padEnd(w)}  ${fmt(v)}`)].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(`usage: gaugeflow exact --group u1|su2|su3|suN [--N n] --beta b [--L l] [--dims 2] [--volume finite|infinite] [--target single --coeffs c1,c2,...] [--loops RxT,...] [--charges] [--json]\n${flagHelp(specs)}`);
    return 0;
  }
  if (f.group === undefined) throw new UsageError('--group is required (u1|su2|su3|suN)');
  if (f.beta === undefined) throw new UsageError('--beta is required');
  const result = computeExact({
    group: f.group as ExactRequest['group'],
    N: f.N,
    dims: f.dims,
    L: f.L,
    beta: f.beta,
    target: f.target as ExactRequest['target'],
    coeffs: f.coeffs,
    volume: f.volume as ExactRequest['volume'],
    loops: f.loops === undefined ? undefined : parseLoops(f.loops),
    charges: f.charges,
  });
  console.log(f.json ? JSON.stringify(ordered(result)) : table(result));
  return 0;
}
