/**
 * Bijections of the circle T¹ ("kernels") for U(1) gauge-equivariant coupling layers: each active
 * plaquette angle θ is mapped to θ′ by a circle diffeomorphism whose parameters come, per angle, from
 * a conditioner (the `context` rows), and the layer needs log dθ′/dθ exactly.
 *
 * Conventions (on top of src/flows/bijector.ts)
 * - Batches are flat: θ [n], context [n, contextSize] of raw, unconstrained conditioner outputs;
 *   every kernel squashes them into its valid range itself, so any finite context gives a
 *   diffeomorphism (dθ′/dθ > 0 everywhere) by construction.
 * - Outputs are wrapped to [−π, π) with `wrapAngle` (src/manifolds/torus.ts), the convention of the
 *   project's tori; inputs may be any real angles.
 * - Everything is differentiable (first order) w.r.t. θ, the context and the kernel's own
 *   variables. The ircpm, energy and ncp maps are evaluated in float64 on the JavaScript side, the
 *   directions that need a root find (ircpm/energy forward, ncp inverse) by solve.ts, and enter the
 *   tape as one op with hand-written derivatives (map-op.ts; the implicit function theorem for the
 *   solved direction); the spline is a plain tfjs graph.
 * - `ok` is 1 where the result can be trusted (an implicit solve converged), else 0.
 *
 * Kinds: 'ircpm' (Fourier IRCPM, the project's default), 'ncp' (Kanwar et al. 2020), 'spline'
 * (circular rational-quadratic spline, Durkan et al. 2019 / Rezende et al. 2020), 'energy' (the
 * IRCPM paper's energy-informed potential built from the local Wilson action).
 */
import type { tf } from '../../backend/index.ts';
import type { Bijector, BijectorForward, BijectorInverse } from '../bijector.ts';
import type { Rng } from '../../../lattices/random.ts';
import { IRCPMKernel, type IRCPMKernelJSON } from './ircpm.ts';
import { NCPKernel, type NCPKernelJSON } from './ncp.ts';
import { SplineKernel, type SplineKernelJSON } from './spline.ts';
import { EnergyKernel, type EnergyKernelJSON } from './energy.ts';

export type CircleKernelKind = 'ircpm' | 'ncp' | 'spline' | 'energy';
export const circleKernelKinds: readonly CircleKernelKind[] = ['ircpm', 'ncp', 'spline', 'energy'];

export type CircleKernelJSON = IRCPMKernelJSON | NCPKernelJSON | SplineKernelJSON | EnergyKernelJSON;

export interface CircleKernel extends Bijector<tf.Tensor1D, tf.Tensor2D> {
  readonly kind: CircleKernelKind;
  /**
   * columns of the context tensor [n, contextSize] the kernel reads per angle (raw, unconstrained
   * conditioner outputs; the kernel squashes them into its valid range itself)
   */
  readonly contextSize: number;
  /** θ [n], context [n, contextSize] → θ′ in [−π, π), logdet = log dθ′/dθ, ok */
  forward(theta: tf.Tensor1D, context?: tf.Tensor2D): BijectorForward<tf.Tensor1D>;
  /** θ′ [n], context → θ in [−π, π), logdet = log dθ/dθ′, ok */
  inverse(y: tf.Tensor1D, context?: tf.Tensor2D): BijectorInverse<tf.Tensor1D>;
  /** config + values of the kernel's own variables (if any) */
  toJSON(): CircleKernelJSON;
}

/**
 * Options of `makeCircleKernel`; each kind reads its own fields (defaults in brackets).
 * - ircpm: modes K [2], eta [0.95], tol [1e-12], maxIter [50]
 * - ncp: mixtures M [2], sMax [5], tol [1e-12], maxIter [100]
 * - spline: bins K [8], minBinWidth [1e-3], minDerivative [1e-3]
 * - energy: beta, sigma (required), correctionModes K [0], eta, tol, maxIter as ircpm, alpha [0], m [0]
 */
export interface CircleKernelOptions {
  modes?: number;
  eta?: number;
  tol?: number;
  maxIter?: number;
  mixtures?: number;
  sMax?: number;
  bins?: number;
  minBinWidth?: number;
  minDerivative?: number;
  beta?: number;
  sigma?: readonly number[];
  correctionModes?: number;
  alpha?: number;
  m?: number;
}

/**
 * Build a kernel. The parametrised kernels start at (or near) the identity map when the context is
 * zero; `rng` is accepted for kernels with random initial variables (none of the four needs it now:
 * the energy kernel's α and m start at the given values).
 */
export function makeCircleKernel(kind: CircleKernelKind, opts: CircleKernelOptions = {}, rng?: Rng): CircleKernel {
  void rng;
  switch (kind) {
    case 'ircpm':
      return new IRCPMKernel({ modes: opts.modes ?? 2, eta: opts.eta ?? 0.95, tol: opts.tol ?? 1e-12, maxIter: opts.maxIter ?? 50 });
    case 'ncp':
      return new NCPKernel({ mixtures: opts.mixtures ?? 2, sMax: opts.sMax ?? 5, tol: opts.tol ?? 1e-12, maxIter: opts.maxIter ?? 100 });
    case 'spline':
      return new SplineKernel({ bins: opts.bins ?? 8, minBinWidth: opts.minBinWidth ?? 1e-3, minDerivative: opts.minDerivative ?? 1e-3 });
    case 'energy':
      if (opts.beta === undefined || opts.sigma === undefined) throw new Error("energy circle kernel: options 'beta' and 'sigma' are required");
      return new EnergyKernel({
        beta: opts.beta,
        sigma: opts.sigma.slice(),
        correctionModes: opts.correctionModes ?? 0,
        eta: opts.eta ?? 0.95,
        tol: opts.tol ?? 1e-12,
        maxIter: opts.maxIter ?? 50,
        alpha: opts.alpha ?? 0,
        m: opts.m ?? 0,
      });
    default:
      throw new Error(`unknown circle kernel kind '${String(kind)}' (expected one of ${circleKernelKinds.join(', ')})`);
  }
}

/** Rebuild a kernel from its toJSON() payload (configuration and variable values). */
export function circleKernelFromJSON(json: CircleKernelJSON): CircleKernel {
  if (!json || typeof json !== 'object') throw new Error('circle kernel JSON must be an object');
  switch (json.kind) {
    case 'ircpm':
      return new IRCPMKernel(json);
    case 'ncp':
      return new NCPKernel(json);
    case 'spline':
      return new SplineKernel(json);
    case 'energy':
      return new EnergyKernel(json);
    default:
      throw new Error(`circle kernel JSON has unknown kind '${String((json as { kind?: unknown }).kind)}' (expected one of ${circleKernelKinds.join(', ')})`);
  }
}
