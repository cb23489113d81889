/**
 * How good is a gauge flow (U(1) or SU(N)) as a proposal for the Wilson target: on n fresh draws,
 * with the action in float64, the normalised importance ESS, the KL divergence (with the exact log Z
 * where the theory is solved — 2D U(1) and 2D SU(N) on the torus, the latter within a time budget —
 * otherwise the importance estimate, a lower bound on average), the importance
 * estimate of log Z with its standard error, and the acceptance of an independence-Metropolis pass
 * over the same draws.
 */
import type { Lattice } from '../../../lattices/geometry.ts';
import { wilsonAction } from '../../../lattices/action.ts';
import { u1Exact2D } from '../../../lattices/exact/u1.ts';
import { sunExact2D } from '../../../lattices/exact/sun.ts';
import { ExactBudgetError } from '../../../lattices/exact/validate.ts';
import type { GaugeField } from '../../../lattices/field.ts';
import { linkSize, type Group } from '../../../lattices/group.ts';
import { makeRng } from '../../../lattices/random.ts';
import { importanceEss, logMeanExp } from '../../../samplers/diagnostics/weights.ts';
import { metropolisPass } from '../../../samplers/metropolis.ts';
import type { GaugeProposal } from './proposal.ts';
import { yieldToEventLoop } from '../../train/stepwise.ts';

export interface GaugeEvaluation {
  n: number;
  ess: number;
  kl: number;
  /** 'exact' or 'importance': which log Z the KL uses */
  klLogZ: 'exact' | 'importance';
  logZ: number;
  logZErr: number;
  logZExact: number | null;
  acceptance: number;
  failedDraws: number;
  /** mean of log q − log p̃ (the reverse-KL loss) */
  meanLoss: number;
}

/**
 * Draws per call of the flow: at most 1024, and at most 2²⁰ link components in all. The layers'
 * intermediates grow with the draws × links (the 4D conditioner holds 81 × channels per site), and a
 * 1024-draw SU(3) 4⁴ chunk asked the wasm heap for one 0.5 GB array and failed (now 56 draws a
 * chunk; 2D U(1) up to 16×16 keeps 1024, SU(3) 8×8 takes 455).
 */
function evaluationChunk(proposal: Pick<GaugeProposal, 'lattice' | 'group'>): number {
  const per = proposal.lattice.volume * proposal.lattice.dims * linkSize(proposal.group);
  return Math.max(1, Math.min(1024, Math.floor(2 ** 20 / per)));
}

/** Draws [i0, i0 + m) of the log-weights into logw; returns the number of failed draws. */
function logWeightsChunk(proposal: GaugeProposal, beta: number, logw: Float64Array, i0: number, m: number, rng: () => number): number {
  const { lattice, group } = proposal;
  const per = lattice.volume * lattice.dims * linkSize(group);
  let failed = 0;
  const { fields, logq } = proposal.sample(m, rng);
  for (let i = 0; i < m; i++) {
    if (logq[i] === Infinity) {
      logw[i0 + i] = -Infinity;
      failed++;
      continue;
    }
    const view = fields.subarray(i * per, (i + 1) * per);
    const f: GaugeField = group.kind === 'u1' ? { group, lattice, theta: view } : { group, lattice, links: view };
    logw[i0 + i] = -wilsonAction(f, beta) - logq[i]!;
  }
  return failed;
}

/** log p̃ − log q of every draw (float64; −∞ for failed draws). */
export function gaugeLogWeights(proposal: GaugeProposal, beta: number, n: number, rng: () => number): { logw: Float64Array; failed: number } {
  const logw = new Float64Array(n);
  let failed = 0;
  const chunk = evaluationChunk(proposal);
  for (let i0 = 0; i0 < n; i0 += chunk) failed += logWeightsChunk(proposal, beta, logw, i0, Math.min(chunk, n - i0), rng);
  return { logw, failed };
}

export function evaluateGaugeProposal(proposal: GaugeProposal, beta: number, n: number, seed: string | number): GaugeEvaluation {
  const { logw, failed } = gaugeLogWeights(proposal, beta, n, makeRng(seed, 'evaluate'));
  return evaluation(proposal, beta, n, seed, logw, failed);
}

/**
 * The same evaluation (the same draws, bit for bit), letting signals in between chunks of draws:
 * null once `signal` is aborted (e.g. Ctrl-C during `gaugeflow train`'s final evaluation).
 */
export async function evaluateGaugeProposalInterruptible(proposal: GaugeProposal, beta: number, n: number, seed: string | number, signal: AbortSignal): Promise<GaugeEvaluation | null> {
  const rng = makeRng(seed, 'evaluate');
  const logw = new Float64Array(n);
  let failed = 0;
  const chunk = evaluationChunk(proposal);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    await yieldToEventLoop();
    if (signal.aborted) return null;
    failed += logWeightsChunk(proposal, beta, logw, i0, Math.min(chunk, n - i0), rng);
  }
  return evaluation(proposal, beta, n, seed, logw, failed);
}

/** Budget of the SU(N) character sum (an annotation: null, i.e. the importance estimate, when it runs out). */
const EXACT_BUDGET_MS = 2000;

/** log Z of the 2D Wilson theory on the L×L torus (w.r.t. normalised Haar measure), or null. */
function exactLogZ(group: Group, lattice: Lattice, beta: number): number | null {
  if (lattice.dims !== 2 || lattice.extents[0] !== lattice.extents[1]) return null;
  const L = lattice.extents[0]!;
  if (group.kind === 'u1') return u1Exact2D(beta, L).logZ;
  try {
    return sunExact2D(group.N, beta, L, { deadline: performance.now() + EXACT_BUDGET_MS }).logZ;
  } catch (e) {
    if (e instanceof ExactBudgetError) return null;
    throw e;
  }
}

/**
 * What a sample of log-weights log p̃ − log q (−∞ for failed draws) says about a proposal: the
 * importance estimate of log Z with its delta-method standard error, the normalised ESS, the mean
 * loss E[log q − log p̃] over good draws, and the acceptance of an independence-Metropolis pass over
 * the draws in order (seeded by `seed`). Shared by lattice flows and single-matrix flows
 * (src/cli/train-single.ts).
 */
export function logWeightSummary(logw: Float64Array, seed: string | number): { logZ: number; logZErr: number; ess: number; meanLoss: number; acceptance: number } {
  const n = logw.length;
  const logZ = logMeanExp(logw);
  let wmax = -Infinity;
  let sumGood = 0;
  let nGood = 0;
  for (const w of logw) {
    if (w === -Infinity) continue;
    wmax = Math.max(wmax, w);
    sumGood += w;
    nGood++;
  }
  // standard error of log Ẑ by the delta method: sd(w)/(√n · mean(w))
  let s1 = 0;
  let s2 = 0;
  for (const w of logw) {
    const e = Math.exp(w - wmax);
    s1 += e;
    s2 += e * e;
  }
  const mean = s1 / n;
  const logZErr = Math.sqrt(Math.max(0, s2 / n - mean * mean) / n) / mean;
  const pass = metropolisPass(
    { logDensity: (i: number) => logw[i]! },
    { xs: Array.from({ length: n }, (_, i) => i), logq: new Float64Array(n) },
    null,
    makeRng(seed, 'evaluate', 'accept'),
  );
  let acc = 0;
  for (let i = 1; i < n; i++) acc += pass.accepted[i]!;
  return { logZ, logZErr, ess: importanceEss(logw), meanLoss: -sumGood / Math.max(1, nGood), acceptance: acc / Math.max(1, n - 1) };
}

function evaluation(proposal: GaugeProposal, beta: number, n: number, seed: string | number, logw: Float64Array, failed: number): GaugeEvaluation {
  const { logZ, logZErr, ess, meanLoss, acceptance } = logWeightSummary(logw, seed);
  const exact = exactLogZ(proposal.group, proposal.lattice, beta);
  return {
    n,
    ess,
    kl: meanLoss + (exact ?? logZ),
    klLogZ: exact === null ? 'importance' : 'exact',
    logZ,
    logZErr,
    logZExact: exact,
    acceptance,
    failedDraws: failed,
    meanLoss,
  };
}
