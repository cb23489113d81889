/**
 * Field proposal module 'vonmises' (U(1) only): every link angle independently von Mises,
 * q(θ) = e^{κ cos θ} / (2π I₀(κ)) w.r.t. dθ, i.e. density 2π q = e^{κ cos θ}/I₀(κ) w.r.t. the
 * normalised Haar measure dθ/2π. So log q = κ Σ_l cos θ_l − n_links log I₀(κ), exact for any
 * κ ≥ 0 (κ = 0 is the Haar proposal). Draws by Best–Fisher rejection (samplers/heatbath_u1.ts).
 * Options: { group: 'u1', dims, L, kappa } (samplers/proposals/lattice_options.ts).
 */
import { logBesselI } from '../../lattices/exact/bessel.ts';
import type { Rng } from '../../lattices/random.ts';
import { vonMises } from '../heatbath_u1.ts';
import type { FieldProposal } from '../types.ts';
import { proposalLattice } from './lattice_options.ts';

export function loadFieldProposal(options: Record<string, unknown>): FieldProposal {
  const { lattice, group } = proposalLattice(options, 'vonmises');
  if (group.kind !== 'u1') throw new Error(`vonmises proposal: U(1) only (options.group is '${String(options.group)}')`);
  const kappa = options.kappa;
  if (typeof kappa !== 'number' || !Number.isFinite(kappa) || kappa < 0)
    throw new Error(`vonmises proposal: options.kappa must be a finite number >= 0 (got ${String(kappa)})`);
  const nLinks = lattice.volume * lattice.dims;
  const logNorm = nLinks * logBesselI(0, kappa);
  return {
    lattice,
    group,
    sample(n: number, rng: Rng) {
      const fields = new Float64Array(n * nLinks);
      const logq = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let sumCos = 0;
        for (let l = i * nLinks; l < (i + 1) * nLinks; l++) {
          const th = vonMises(kappa, rng);
          fields[l] = th;
          sumCos += Math.cos(th);
        }
        logq[i] = kappa * sumCos - logNorm;
      }
      return { fields, logq };
    },
  };
}
