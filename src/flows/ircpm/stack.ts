/**
 * A stack of IRCPM layers as a Flow: the TransformedFlow of the uniform base through IRCPM layers,
 * x₀ ~ uniform, x_k = f_k(x_{k−1}), log q(x_K) = −log|M| + Σ_k log|det J_{g_k}(x_k)|. Layers may share
 * one potential (the paper shares parameters across a stack of three on S²) or own separate ones.
 * This class adds what the model files and diagnostics need: the potentials and the solver options.
 */
import type { Manifold } from '../../manifolds/types.ts';
import { manifoldByName } from '../../manifolds/index.ts';
import { TransformedFlow } from '../transformed.ts';
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

function ircpmLayers(manifold: Manifold, potentials: Potential[], nLayers: number, solver: SolverOptions): IRCPMLayer[] {
  if (!Number.isInteger(nLayers) || nLayers < 1) throw new Error(`IRCPM stack: number of layers must be a positive integer, got ${nLayers}`);
  if (potentials.length !== 1 && potentials.length !== nLayers) {
    throw new Error(`IRCPM stack: give one shared potential or one per layer (${nLayers}), got ${potentials.length}`);
  }
  const withContext = potentials.find((p) => p.contextDim > 0);
  if (withContext) throw new Error(`IRCPM stack: a flow has no conditioner, so its potentials cannot take a context (contextDim ${withContext.contextDim})`);
  return Array.from({ length: nLayers }, (_, k) => new IRCPMLayer(manifold, potentials[potentials.length === 1 ? 0 : k], solver));
}

export class IRCPMFlow extends TransformedFlow {
  declare readonly layers: readonly IRCPMLayer[];

  constructor(manifold: Manifold, readonly potentials: Potential[], readonly nLayers: number, readonly solver: SolverOptions = {}) {
    super(manifold, ircpmLayers(manifold, potentials, nLayers, solver));
  }

  get shared(): boolean {
    return this.potentials.length === 1 && this.nLayers > 1;
  }

  override toJSON(): IRCPMJSON {
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
  const isTorus = manifold.kind === 'flat-torus';
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
