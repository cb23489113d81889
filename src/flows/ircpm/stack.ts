/**
 * A stack of IRCPM layers as a Flow: x₀ ~ uniform, x_k = f_k(x_{k−1}),
 * log q(x_K) = −log|M| + Σ_k log|det J_{g_k}(x_k)|. Layers may share one potential (the paper shares
 * parameters across a stack of three on S²) or own separate ones.
 */
import { tf } from '../../backend/index.ts';
import type { Manifold } from '../../manifolds/types.ts';
import { manifoldByName } from '../../manifolds/index.ts';
import type { Flow } from '../types.ts';
import { IRCPMLayer, type SolverOptions } from './layer.ts';
import { MLPPotential, FourierPotential, potentialFromJSON, fourierFrequencies, type Potential, type PotentialJSON, type FeatureSpec } from '../potentials.ts';

export interface IRCPMJSON {
  type: 'ircpm';
  manifold: string;
  layers: number;
  shared: boolean;
  solver: Required<SolverOptions>;
  potentials: PotentialJSON[];
}

export class IRCPMFlow implements Flow {
  readonly layers: IRCPMLayer[];
  readonly variables: tf.Variable[];
  /** fraction of ok samples in the last sample() call */
  lastOkFraction = 1;

  constructor(readonly manifold: Manifold, readonly potentials: Potential[], readonly nLayers: number, readonly solver: SolverOptions = {}) {
    if (!Number.isInteger(nLayers) || nLayers < 1) throw new Error(`IRCPM stack: number of layers must be a positive integer, got ${nLayers}`);
    if (potentials.length !== 1 && potentials.length !== nLayers) {
      throw new Error(`IRCPM stack: give one shared potential or one per layer (${nLayers}), got ${potentials.length}`);
    }
    this.layers = Array.from({ length: nLayers }, (_, k) => new IRCPMLayer(manifold, potentials[potentials.length === 1 ? 0 : k], solver));
    this.variables = potentials.flatMap((p) => p.variables);
  }

  get shared(): boolean {
    return this.potentials.length === 1 && this.nLayers > 1;
  }

  sample(n: number, rng: () => number): { x: tf.Tensor2D; logq: tf.Tensor1D; ok: tf.Tensor1D } {
    const x0 = this.manifold.sampleUniform(n, rng);
    let x = x0;
    let logq: tf.Tensor1D = tf.fill([n], -this.manifold.logVolume) as tf.Tensor1D;
    const ok = new Float32Array(n).fill(1);
    for (const layer of this.layers) {
      const r = layer.forward(x);
      const next = tf.add(logq, r.logdet) as tf.Tensor1D;
      tf.dispose([logq, r.logdet]);
      if (x !== x0) x.dispose();
      logq = next;
      x = r.y;
      for (let i = 0; i < n; i++) if (!r.ok[i]) ok[i] = 0;
    }
    x0.dispose();
    let okCount = 0;
    for (let i = 0; i < n; i++) okCount += ok[i];
    this.lastOkFraction = okCount / n;
    return { x, logq, ok: tf.tensor1d(ok) };
  }

  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      let x = y;
      let acc: tf.Tensor = tf.zeros([y.shape[0]]);
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const r = this.layers[k].inverse(x);
        acc = tf.add(acc, r.logdet);
        x = r.x;
      }
      return tf.sub(acc, this.manifold.logVolume) as tf.Tensor1D;
    });
  }

  toJSON(): IRCPMJSON {
    const l = this.layers[0];
    return {
      type: 'ircpm',
      manifold: this.manifold.name,
      layers: this.nLayers,
      shared: this.potentials.length === 1,
      solver: { tol: l.tol, maxIter: l.maxIter, maxStep: l.maxStep, restarts: l.restarts },
      potentials: this.potentials.map((p) => p.toJSON()),
    };
  }

  static fromJSON(json: IRCPMJSON): IRCPMFlow {
    if (!json || json.type !== 'ircpm') throw new Error(`IRCPM: payload type is '${(json as { type?: string })?.type}', expected 'ircpm'`);
    if (!Array.isArray(json.potentials) || json.potentials.length === 0) throw new Error('IRCPM: model has no potentials');
    const manifold = manifoldByName(json.manifold);
    return new IRCPMFlow(manifold, json.potentials.map(potentialFromJSON), json.layers, json.solver);
  }
}

export interface IRCPMOptions {
  layers?: number;
  shared?: boolean;
  hidden?: number[];
  /** 'mlp' (softplus network) or 'fourier' (Hessian bound by construction; tori only) */
  potential?: 'mlp' | 'fourier';
  /** torus features / Fourier modes: largest frequency per angle */
  frequencies?: number;
  /** invariant features: e.g. [[1, 1]] makes ψ a function of x₁ + x₂ only (shift (t, −t) symmetry) */
  invariantFrequencies?: number[][];
  eta?: number;
  /** explicit MLP features (e.g. powerSumFeatures(N, K) on the SU(N) maximal torus) */
  features?: FeatureSpec;
  solver?: SolverOptions;
}

/** Build an IRCPM flow with sensible defaults for the manifold. */
export function makeIRCPM(manifold: Manifold, rng: () => number, opts: IRCPMOptions = {}): IRCPMFlow {
  const layers = opts.layers ?? 1;
  const shared = opts.shared ?? true;
  const m = manifold.ambientDim;
  const isTorus = manifold.name.startsWith('torus') || manifold.name === 'circle' || manifold.name.startsWith('maxtorus');
  const make = (): Potential => {
    if ((opts.potential ?? 'mlp') === 'fourier') {
      if (!isTorus) throw new Error('the Fourier potential is defined on flat tori only');
      const freq = opts.invariantFrequencies ?? fourierFrequencies(m, opts.frequencies ?? 3);
      return new FourierPotential({ kind: 'fourier', inputDim: m, frequencies: freq, eta: opts.eta ?? 0.95 }, rng);
    }
    let features: FeatureSpec = { kind: 'ambient' };
    if (opts.features) features = opts.features;
    else if (isTorus) {
      const freq = opts.invariantFrequencies ?? fourierFrequencies(m, opts.frequencies ?? 1);
      features = { kind: 'fourier', frequencies: freq };
    }
    return new MLPPotential({ kind: 'mlp', inputDim: m, features, hidden: opts.hidden ?? [64, 64] }, rng);
  };
  const pots = shared ? [make()] : Array.from({ length: layers }, make);
  return new IRCPMFlow(manifold, pots, layers, opts.solver);
}
