/**
 * A flow plugged into independence Metropolis must give exact expectations whatever its quality,
 * because the chain only needs log q to be the true density of the draws. An untrained (random,
 * clearly non-uniform) IRCPM is therefore a sharp test of the whole path flow → log q → adapter →
 * accept/reject; a corrupted log q must be caught by the same statistic.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../src/backend/index.ts';
import { torus } from '../../src/manifolds/index.ts';
import { makeIRCPM } from '../../src/flows/ircpm/stack.ts';
import { flowProposal, functionTarget } from '../../src/proposals/flow-proposal.ts';
import { independenceMetropolis } from '../../samplers/metropolis.ts';
import { gammaMethod, importanceEss } from '../../samplers/diagnostics/index.ts';
import { besselI } from '../../lattices/exact.ts';
import { makeRng } from '../../lattices/random.ts';
import type { Proposal } from '../../samplers/types.ts';

// rezende-unimodal: log p = cos(θ₁ − 4.18) + cos(θ₂ − 5.96); ⟨cos(θ₁ − 4.18)⟩ = I₁(1)/I₀(1).
const target = functionTarget((x) => Math.cos(x[0] - 4.18) + Math.cos(x[1] - 5.96));
const exact = besselI(1, 1) / besselI(0, 1);
const observable = (x: Float64Array) => Math.cos(x[0] - 4.18);

async function chainMean(proposal: Proposal<Float64Array>, seed: number) {
  const r = await independenceMetropolis(target, proposal, { nSteps: 6000, batchSize: 1000, seed });
  const series = r.states.map(observable);
  const g = gammaMethod(series);
  return { mean: g.value, err: g.err, acceptRate: r.acceptRate, essIS: importanceEss(r.logw) };
}

test('an untrained IRCPM proposal reproduces the exact expectation; a corrupted log q does not', async () => {
  await initBackend();
  const flow = makeIRCPM(torus(2), makeRng('flow-proposal-test', 'init'), { potential: 'fourier', frequencies: 2, eta: 0.9 });
  const proposal = flowProposal(flow);
  const good = await chainMean(proposal, 1);
  assert.ok(proposal.stats.drawn === 6000, `drew ${proposal.stats.drawn}`);
  assert.ok(proposal.stats.failed === 0, `${proposal.stats.failed} unconverged draws`);
  // The proposal is far from the target (importance ESS well below 1), so agreement is not trivial.
  assert.ok(good.essIS < 0.9, `importance ESS ${good.essIS}`);
  assert.ok(Math.abs(good.mean - exact) < 4 * good.err, `flow proposal: ${good.mean} ± ${good.err} vs exact ${exact}`);

  // Same draws, log q off by 0.8 cos(θ₁ − 4.18): the chain then samples p·e^{−0.8 cos(θ₁−4.18)}.
  const corrupted: Proposal<Float64Array> = {
    sample(n, rng) {
      const b = proposal.sample(n, rng) as { xs: Float64Array[]; logq: Float64Array };
      const logq = b.logq.map((v, i) => v + 0.8 * observable(b.xs[i]));
      return { xs: b.xs, logq };
    },
  };
  const bad = await chainMean(corrupted, 1);
  assert.ok(Math.abs(bad.mean - exact) > 6 * bad.err, `corrupted log q went unnoticed: ${bad.mean} ± ${bad.err}`);
  tf.dispose(flow.variables);
});

test('an unconverged draw is reported with log q = +Infinity and never accepted', async () => {
  await initBackend();
  const flow = makeIRCPM(torus(2), makeRng('flow-proposal-test', 'fail'), { potential: 'fourier', frequencies: 2, eta: 0.9 });
  // Wrap the flow so that every odd draw is flagged as failed (a chain cannot start on a failed draw).
  const flagged = {
    ...flow,
    manifold: flow.manifold,
    variables: flow.variables,
    logProb: (x: tf.Tensor2D) => flow.logProb(x),
    toJSON: () => flow.toJSON(),
    sample(n: number, rng: () => number) {
      const s = flow.sample(n, rng);
      const ok = tf.tensor1d(Array.from({ length: n }, (_, i) => 1 - (i % 2)));
      s.ok.dispose();
      return { ...s, ok };
    },
  };
  const proposal = flowProposal(flagged);
  const batch = proposal.sample(10, makeRng(3)) as { xs: Float64Array[]; logq: Float64Array };
  for (let i = 0; i < 10; i++) assert.is(Number.isFinite(batch.logq[i]), i % 2 === 0);
  assert.is(proposal.stats.failed, 5);
  const r = await independenceMetropolis(target, proposal, { nSteps: 200, batchSize: 50, seed: 2 });
  let rejectedFailures = 0;
  for (let i = 0; i < 200; i++) {
    if (r.accepted[i]) assert.ok(Number.isFinite(r.logw[i]), `accepted a failed draw at step ${i}`);
    if (i % 50 % 2 === 1) {
      assert.is(r.logw[i], -Infinity);
      rejectedFailures++;
    }
  }
  assert.is(rejectedFailures, 100);
  tf.dispose(flow.variables);
});

test.run();
