/**
 * Flows for single-matrix targets p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k) on SU(N) (exact normalisation:
 * lattices/exact/single-matrix.ts, `gaugeflow exact --target single`).
 *
 * `SpectralFlow` is the distribution on SU(N) matrices: Haar base, then conjugation-equivariant
 * spectral layers (spectral.ts) whose kernels act on the maximal torus. Because base and target are
 * class functions, the same distribution is, on the eigen-phases, the torus flow
 * `torusFlow()` = TransformedFlow(Weyl base, the same kernels); their importance weights agree sample
 * by sample (p_H(U)/q_H(U) = p_T(θ)/q_T(θ) with p_T = Weyl·weight), so a single-matrix flow is trained
 * by the existing reverse-KL loop (src/train/train.ts) on the torus against `torusEnergy`, and used
 * on matrices through `SpectralFlow`.
 */
import { tf } from '../../backend/index.ts';
import { maximalTorus, type MaximalTorus } from '../../manifolds/maximal-torus.ts';
import { accumulateLogdets, type Bijector } from '../bijector.ts';
import { TransformedFlow } from '../transformed.ts';
import { makeIRCPM, type IRCPMFlow } from '../ircpm/stack.ts';
import { powerSumFeatures } from '../potentials.ts';
import type { Energy } from '../../targets/index.ts';
import { cmatFromInterleaved, cpowers, ctrace, type CMat } from './complex.ts';
import { SpectralLayer } from './spectral.ts';
import { haarMatrices, WeylBase } from './weyl.ts';

export interface SingleMatrixTarget {
  N: number;
  beta: number;
  coeffs: readonly number[];
}

/** log p on the maximal torus (free phases): Weyl density + (β/N) Σ_k c_k Σ_j cos kθ_j. */
export function torusEnergy(t: SingleMatrixTarget): Energy {
  const torus = maximalTorus(t.N);
  return (x) =>
    tf.tidy(() => {
      const full = torus.fullPhases(x);
      let w: tf.Tensor = tf.zeros([x.shape[0]]);
      t.coeffs.forEach((c, k) => {
        if (c !== 0) w = tf.add(w, tf.mul(c, tf.sum(tf.cos(tf.mul(k + 1, full)), 1)));
      });
      return tf.add(torus.weylLogDensity(x), tf.mul(t.beta / t.N, w)) as tf.Tensor1D;
    });
}

/** The class-function weight (β/N) Re tr Σ_k c_k U^k of matrices (log p up to ln Z, w.r.t. Haar). */
export function matrixLogWeight(t: SingleMatrixTarget, U: CMat): tf.Tensor1D {
  return tf.tidy(() => {
    const pows = cpowers(U, t.coeffs.length);
    let w: tf.Tensor = tf.zeros([U.re.shape[0]]);
    t.coeffs.forEach((c, k) => {
      if (c !== 0) w = tf.add(w, tf.mul(c, ctrace(pows[k]).re));
    });
    return tf.mul(t.beta / t.N, w) as tf.Tensor1D;
  });
}

export class SpectralFlow {
  /** the IRCPM stack the kernels came from (makeSpectralFlow), for its bound diagnostics */
  ircpm?: IRCPMFlow;
  readonly torus: MaximalTorus;
  readonly layers: SpectralLayer[];
  readonly variables: tf.Variable[];

  constructor(readonly N: number, readonly kernels: Bijector<tf.Tensor2D, tf.Tensor2D>[]) {
    if (kernels.length === 0) throw new Error('spectral flow: needs at least one kernel');
    this.torus = maximalTorus(N);
    this.layers = kernels.map((k) => new SpectralLayer(this.torus, k));
    this.variables = [...new Set(kernels.flatMap((k) => k.variables))];
  }

  /** n matrices: U₀ ~ Haar, pushed through the layers; log q w.r.t. Haar, summed in float64. */
  sample(n: number, rng: () => number): { U: CMat; logq: tf.Tensor1D; ok: tf.Tensor1D } {
    let U = cmatFromInterleaved(haarMatrices(this.N, n, rng), n, this.N);
    const logdets: tf.Tensor1D[] = [];
    const ok = new Float32Array(n).fill(1);
    for (const layer of this.layers) {
      const r = tf.tidy(() => {
        const f = layer.forward(U);
        return { re: f.y.re, im: f.y.im, logdet: f.logdet, ok: f.ok };
      });
      tf.dispose([U.re, U.im]);
      U = { re: r.re, im: r.im };
      logdets.push(r.logdet);
      const o = r.ok.dataSync();
      for (let i = 0; i < n; i++) if (!(o[i] > 0.5)) ok[i] = 0;
      r.ok.dispose();
    }
    const sum = tf.neg(logdets.length === 1 ? logdets[0] : tf.addN(logdets)) as tf.Tensor1D;
    const exact = accumulateLogdets(new Float64Array(n), logdets.map((l) => (l.dataSync() as Float32Array).map((v) => -v)));
    const s32 = sum.dataSync();
    const logq = tf.add(sum, tf.tensor1d(Float32Array.from(exact, (v, i) => (Number.isFinite(v) ? v - s32[i] : 0)))) as tf.Tensor1D;
    tf.dispose([sum, ...logdets]);
    return { U, logq, ok: tf.tensor1d(ok) };
  }

  /** log q(U) w.r.t. Haar through the inverse layers; NaN where a layer is not ok. */
  logProb(U: CMat): tf.Tensor1D {
    return tf.tidy(() => {
      let x = U;
      let acc: tf.Tensor = tf.zeros([U.re.shape[0]]);
      let ok: tf.Tensor = tf.ones([U.re.shape[0]]);
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const r = this.layers[k].inverse(x);
        acc = tf.add(acc, r.logdet);
        ok = tf.mul(ok, r.ok);
        x = r.x;
      }
      return tf.where(tf.greater(ok, 0.5), acc, tf.fill(acc.shape, NaN)) as tf.Tensor1D;
    });
  }

  /** The same distribution on the eigen-phases: the kernels from the Weyl base (train and evaluate here). */
  torusFlow(): TransformedFlow {
    return new TransformedFlow(this.torus, this.kernels, new WeylBase(this.torus));
  }
}

export interface SpectralFlowOptions {
  /** number of kernels (layers) [2] */
  layers?: number;
  /** one potential shared by every layer [false] */
  shared?: boolean;
  /** hidden widths of the potential MLP [[32, 32]] */
  hidden?: number[];
  /** power sums tr W^k, k = 1…K, fed to ψ [3] */
  powers?: number;
}

/**
 * The spectral flow whose kernels are the layers of an IRCPM stack on the maximal torus (e.g. read
 * from a model file written from `flow.ircpm`: src/flows/io.ts).
 */
export function spectralFlowFromIRCPM(ircpm: IRCPMFlow): SpectralFlow {
  const N = ircpm.manifold.suN;
  if (!N) throw new Error(`spectral flow: the IRCPM stack lives on ${ircpm.manifold.name}, not on an SU(N) maximal torus`);
  const flow = new SpectralFlow(N, [...ircpm.layers]);
  flow.ircpm = ircpm;
  return flow;
}

/** A single-matrix flow with IRCPM kernels whose potentials are MLPs of the power sums (permutation-invariant). */
export function makeSpectralFlow(N: number, rng: () => number, opts: SpectralFlowOptions = {}): SpectralFlow {
  const ircpm = makeIRCPM(maximalTorus(N), rng, {
    layers: opts.layers ?? 2,
    shared: opts.shared ?? false,
    hidden: opts.hidden ?? [32, 32],
    features: powerSumFeatures(N, opts.powers ?? 3),
  });
  return spectralFlowFromIRCPM(ircpm);
}
