/**
 * The gauge flow's log q is a normalised density w.r.t. the product of Haar measures: the importance
 * estimate of Z = ∫ e^{−S} dU over flow draws agrees with the exact 2D U(1) partition function on a
 * 4×4 torus within its error, for every kernel; claiming a wrong log q (a constant offset) fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { trainWithLoss } from '../../../src/train/train.ts';
import { gaugeReverseKL } from '../../../src/flows/gauge/loss.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { u1Exact2D } from '../../../lattices/exact/u1.ts';
import { makeU1GaugeFlow, defaultU1Config, u1GaugeFlowFromJSON, u1GaugeFlowToJSON } from '../../../src/flows/gauge/build.ts';
import { linksToTensor } from '../../../src/flows/gauge/layout.ts';
import { gaugeProposal } from '../../../src/flows/gauge/proposal.ts';
import { evaluateGaugeProposal } from '../../../src/flows/gauge/evaluate.ts';
import type { CircleKernelKind } from '../../../src/flows/circle/kernel.ts';

test.before(async () => {
  await initBackend();
});

const beta = 1;
const options: Record<CircleKernelKind, object> = { ircpm: { modes: 2 }, ncp: { mixtures: 2 }, spline: { bins: 4 }, energy: { correctionModes: 1 } };

for (const kernel of Object.keys(options) as CircleKernelKind[]) {
  test(`${kernel}: importance estimate of Z on 4×4 (β = ${beta}) = exact within 3σ`, () => {
    const flow = makeU1GaugeFlow({ ...defaultU1Config, dims: 2, beta, layers: 4, hidden: [4], kernel, kernelOptions: options[kernel] }, makeRng('density', kernel));
    const lattice = makeLattice([4, 4]);
    // a short reverse-KL training moves the flow far from Haar (whose ESS here is ≈ 0.003) toward p
    trainWithLoss(flow, { steps: 40, batch: 32, lr: 1e-2, lrFinal: 1, rng: makeRng('density-train', kernel) }, 'reverse KL', gaugeReverseKL(flow, lattice, beta));
    const draws = gaugeProposal(flow, lattice).sample(200, makeRng('density-draws', kernel));
    const meanAbsLogq = draws.logq.reduce((a, b) => a + Math.abs(b), 0) / 200;
    assert.ok(meanAbsLogq > 1, `log q is far from the Haar value 0 (mean |log q| = ${meanAbsLogq})`);
    // the JSON round trip keeps the layers' mask order (descending stripes) and so log q
    assert.is(flow.config!.stripeOrder, 'descending');
    const back = u1GaugeFlowFromJSON(JSON.parse(JSON.stringify(u1GaugeFlowToJSON(flow))));
    const x = linksToTensor(lattice, draws.fields, 200);
    const dq = tf.tidy(() => Math.max(...Array.from(tf.sub(back.logProb(x).logq, flow.logProb(x).logq).dataSync(), Math.abs)));
    assert.ok(dq < 1e-4, `round trip log q ${dq}`);
    x.dispose();
    back.dispose();
    const ev = evaluateGaugeProposal(gaugeProposal(flow, lattice), beta, 4000, `z-${kernel}`);
    const exact = u1Exact2D(beta, 4).logZ;
    assert.is(ev.logZExact, exact);
    assert.is(ev.failedDraws, 0);
    // σ < 0.08: a log q off by 0.25 (which shifts log Ẑ by 0.25) would fail the 3σ check below
    assert.ok(ev.logZErr > 0 && ev.logZErr < 0.08, `error ${ev.logZErr}`);
    assert.ok(Math.abs(ev.logZ - exact) < 3 * ev.logZErr, `log Z ${ev.logZ} ± ${ev.logZErr} vs exact ${exact}`);
    flow.dispose();
  });
}

test.run();
