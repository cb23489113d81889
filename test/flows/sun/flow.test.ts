/**
 * SU(N) gauge flows (src/flows/sun/flow.ts): the sampled log q equals the inverse-pass log q, the
 * float64 MCMC draw agrees with the differentiable one, the Wilson log-density matches the float64
 * action of lattices/, gauge invariance of log q, a few reverse-KL steps lower the loss, and the
 * training gradient in d = 3, 4 matches a float64 finite difference (wasm once summed rank-8 gradients
 * wrongly: src/backend/wasm-rank.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { su } from '../../../lattices/group.ts';
import { wilsonAction } from '../../../lattices/action.ts';
import { applyGauge, randomGauge } from '../../../lattices/gauge.ts';
import type { SUNField } from '../../../lattices/field.ts';
import { trainWithLoss } from '../../../src/train/train.ts';
import { makeSUNGaugeFlow, packField, sunGaugeFlowFromJSON, sunGaugeFlowToJSON, sunGaugeReverseKL, sunWilsonLogDensity, unpackField } from '../../../src/flows/sun/flow.ts';
import { trainParallel } from '../../../src/train/parallel.ts';
import { gaugeProposal } from '../../../src/flows/gauge/proposal.ts';
import { fieldProposalAsProposal } from '../../../samplers/flow_batch.ts';
import { independenceMetropolis } from '../../../samplers/metropolis.ts';
import { sunError } from '../../../lattices/matrix.ts';
import { buildSUNGaugeFlow, sunTrainableSpec } from '../../../src/flows/sun/trainable.ts';
import { sunLinksToTensors } from '../../../src/flows/sun/links.ts';

test.before(async () => {
  await initBackend();
});

test('SU(2) and SU(3) gauge flows: sample log q = inverse-pass log q = float64 MCMC draw; gauge-invariant log q; Wilson log-density = −S of lattices/', () => {
  for (const N of [2, 3]) {
    const lattice = makeLattice([4, 4]);
    const flow = makeSUNGaugeFlow(2, N, 4, makeRng('sun-flow', N), { outScale: 1 });
    for (const l of flow.layers) {
      const w = l.kernel.variables.find((v) => v.shape[0] === 16 && v.shape[1] === 1)!;
      w.assign(tf.mul(w, 20));
    }
    const n = 3, beta = 2.5;
    tf.tidy(() => {
      const s = flow.sample(lattice, n, makeRng('sun-flow-draw', N));
      const lq = s.logq.dataSync();
      assert.ok(s.ok.dataSync().every((o) => o === 1));
      assert.ok(Math.max(...Array.from(lq, Math.abs)) > 0.1, `non-trivial log q ${lq}`);
      const back = flow.logProb(s.x).logq.dataSync();
      assert.ok(Math.max(...Array.from(lq, (v, i) => Math.abs(v - back[i]))) < 2e-3, `sample ${lq} vs logProb ${back}`);
      const mc = flow.sampleForMCMC(lattice, n, makeRng('sun-flow-draw', N));
      assert.ok(Math.max(...Array.from(lq, (v, i) => Math.abs(v - mc.logq[i]))) < 1e-3, 'float64 draw');
      // −S in float64 from lattices/, per field; and log q after a random gauge transformation
      const lp = sunWilsonLogDensity(unpackField(s.x), 2, N, beta).dataSync();
      const per = mc.fields.length / n;
      const gauged = new Float64Array(mc.fields.length);
      for (let b = 0; b < n; b++) {
        const f: SUNField = { group: su(N), lattice, links: mc.fields.slice(b * per, (b + 1) * per) };
        const S = wilsonAction(f, beta);
        assert.ok(Math.abs(-S - lp[b]) < 1e-3 * Math.max(1, Math.abs(S)), `−S ${-S} vs ${lp[b]}`);
        gauged.set(applyGauge(f, randomGauge(lattice, su(N), makeRng('sun-flow-omega', b))).links, b * per);
      }
      const lg = flow.logProb(packField(sunLinksToTensors(lattice, N, gauged, n))).logq.dataSync();
      assert.ok(Math.max(...Array.from(lq, (v, i) => Math.abs(v - lg[i]))) < 3e-3, `gauge-transformed log q ${lg} vs ${lq}`);
    });
    flow.dispose();
  }
});

test('reverse KL against the Wilson action: 25 steps lower E_q[log q + S] (SU(2), 4×4, β = 2)', () => {
  const lattice = makeLattice([4, 4]);
  const flow = makeSUNGaugeFlow(2, 2, 2, makeRng('sun-train', 'init'));
  const losses = trainWithLoss(flow, { steps: 25, batch: 16, lr: 1e-2, rng: makeRng('sun-train', 'steps') }, 'kl', sunGaugeReverseKL(flow, lattice, 2)).losses;
  const head = (losses[0] + losses[1] + losses[2]) / 3, tail = (losses[22] + losses[23] + losses[24]) / 3;
  assert.ok(losses.every(Number.isFinite));
  assert.ok(tail < head - 0.3, `loss ${head} → ${tail}`);
  flow.dispose();
});

test('SU(N) gauge flow JSON round trip (energy kernel, descending stripes) reproduces log q; the data-parallel trainer runs an SU(2) trainable and its weights rebuild the flow', async () => {
  const lattice = makeLattice([4, 4]);
  const flow = makeSUNGaugeFlow(2, 3, 2, makeRng('sun-json', 'init'), { outScale: 1, hidden: [8], energyBeta: 2, stripeOrder: 'descending' });
  assert.equal(flow.layers.map((l) => l.pattern.off), [3, 3]);
  const back = sunGaugeFlowFromJSON(JSON.parse(JSON.stringify(sunGaugeFlowToJSON(flow))));
  const s = flow.sample(lattice, 2, makeRng('sun-json', 'draw'));
  const d = Math.max(...Array.from(tf.sub(back.logProb(s.x).logq, s.logq).dataSync(), Math.abs));
  assert.ok(d < 1e-4, `round trip ${d}`);
  assert.throws(() => sunGaugeFlowFromJSON({ ...sunGaugeFlowToJSON(flow), weights: [] }), /weight arrays expected/);
  tf.dispose([s.x, s.logq, s.ok]);
  const config = { dims: 2, N: 2, layers: 2, L: 4, beta: 2, estimator: 'total' as const, seed: 7 };
  const r = await trainParallel({ spec: sunTrainableSpec(config), workers: 0, steps: 3, batch: 8, microbatches: 2, seed: 7, lr: 1e-2 });
  assert.is(r.steps, 3);
  const trained = buildSUNGaugeFlow(config);
  trained.variables.forEach((v, i) => v.assign(tf.tensor(r.weights[i], v.shape)));
  const fresh = buildSUNGaugeFlow(config);
  const moved = Math.max(...trained.variables.map((v, i) => Math.max(...Array.from(tf.sub(v, fresh.variables[i]).dataSync(), Math.abs))));
  assert.ok(moved > 1e-4, 'training changed the weights');
});

test('the SU(N) flow as an MCMC proposal: SU(3) fields to 1e-5, finite float64 log q, and independence Metropolis runs on it', async () => {
  const lattice = makeLattice([4, 4]);
  const flow = makeSUNGaugeFlow(2, 3, 2, makeRng('sun-prop', 'init'), { outScale: 1 });
  const proposal = fieldProposalAsProposal(gaugeProposal(flow, lattice));
  const b = await proposal.sample(3, makeRng('sun-prop', 'draw'));
  assert.is(b.xs.length, 3);
  assert.ok(b.logq.every(Number.isFinite));
  for (const f of b.xs as SUNField[]) for (let l = 0; l < lattice.volume * 2; l++) assert.ok(sunError(f.links, l * 18, 3) < 1e-5, 'SU(3) links');
  const mc = await independenceMetropolis({ logDensity: (f: SUNField) => -wilsonAction(f, 1) }, proposal, { nSteps: 8, batchSize: 4, seed: 1 });
  assert.is(mc.states.length, 8);
  assert.ok(mc.acceptRate > 0);
  flow.dispose();
});


test('reverse-KL gradient in d = 3 and 4 (rank-7 and rank-8 link tensors) = float64 finite difference of the loss along a random weight direction (SU(2))', () => {
  for (const dims of [3, 4]) {
    const lattice = makeLattice(new Array(dims).fill(4));
    const flow = makeSUNGaugeFlow(dims, 2, 2, makeRng('sun-grad-4d', dims), { outScale: 1 });
    const n = 2, beta = 2;
    const draw = () => makeRng('sun-grad-4d-draw', dims);
    const loss = sunGaugeReverseKL(flow, lattice, beta);
    const { value, grads } = tf.variableGrads(() => loss(n, draw()).loss, flow.variables);
    const dirRng = makeRng('sun-grad-4d-dir', dims);
    const dir = flow.variables.map((v) => Float32Array.from({ length: v.size }, () => dirRng() - 0.5));
    const norm = Math.sqrt(dir.reduce((s, d) => s + d.reduce((a, x) => a + x * x, 0), 0));
    let analytic = 0;
    flow.variables.forEach((v, i) => grads[v.name]!.dataSync().forEach((g, k) => (analytic += (g * dir[i]![k]!) / norm)));
    // float64 loss E[log q + S] from the float64 draw (log q accumulated in float64, S from lattices/)
    const lossAt = (eps: number) => {
      const saved = flow.variables.map((v) => v.dataSync().slice());
      tf.tidy(() => flow.variables.forEach((v, i) => v.assign(tf.tensor(Float32Array.from(saved[i]!, (w, k) => w + (eps * dir[i]![k]!) / norm), v.shape))));
      const mc = flow.sampleForMCMC(lattice, n, draw());
      const per = mc.fields.length / n;
      let s = 0;
      for (let b = 0; b < n; b++) s += mc.logq[b]! + wilsonAction({ group: su(2), lattice, links: mc.fields.slice(b * per, (b + 1) * per) }, beta);
      tf.tidy(() => flow.variables.forEach((v, i) => v.assign(tf.tensor(saved[i]!, v.shape))));
      return s / n;
    };
    const eps = 3e-2;
    const fd = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd) > 0.01, `d = ${dims}: the direction must change the loss (fd ${fd})`);
    assert.ok(Math.abs(analytic - fd) < 0.03 * Math.abs(fd) + 1e-3, `d = ${dims}: autodiff ${analytic} vs finite difference ${fd}`);
    tf.dispose([value, ...Object.values(grads)]);
    flow.dispose();
  }
});
test.run();
