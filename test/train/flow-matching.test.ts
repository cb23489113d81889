import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../src/backend/index.ts';
import { torus, sphere } from '../../src/manifolds/index.ts';
import { CNF } from '../../src/flows/cnf/cnf.ts';
import { geodesicPath, trainFlowMatching, meanNLL, flowMatchingLoss } from '../../src/train/flow-matching.ts';

test.before(async () => {
  await initBackend();
});

test('geodesic path: endpoints, unit speed along the geodesic, u_t = d/dt x_t (central differences)', () => {
  for (const m of [sphere(2), torus(2)]) {
    const flow = new CNF(m, seedrandom('a'), { hidden: [4] });
    const rng = seedrandom('b');
    const x0 = m.sampleUniform(32, rng);
    const x1 = m.sampleUniform(32, rng);
    const at = (tv: number) => geodesicPath(flow, x0, x1, tf.fill([32, 1], tv) as tf.Tensor2D);
    const a0 = at(0).xt.arraySync() as number[][];
    const a1 = at(1).xt.arraySync() as number[][];
    const wrap = (v: number) => (m.name.startsWith('torus') ? v - 2 * Math.PI * Math.round(v / (2 * Math.PI)) : v);
    const X0 = x0.arraySync() as number[][];
    const X1 = x1.arraySync() as number[][];
    a0.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(wrap(v - X0[i][j])) < 1e-5, `${m.name}: x_0 ≠ x0`)));
    a1.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(wrap(v - X1[i][j])) < 2e-4, `${m.name}: x_1 ≠ x1 (${v} vs ${X1[i][j]})`)));
    const t = 0.37;
    const eps = 1e-2;
    const p = at(t + eps).xt.arraySync() as number[][];
    const q = at(t - eps).xt.arraySync() as number[][];
    const u = at(t).ut.arraySync() as number[][];
    const dist = (m.dist(x0, x1).arraySync() as number[]);
    u.forEach((r, i) => {
      // constant speed = geodesic distance
      const speed = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
      assert.ok(Math.abs(speed - dist[i]) < 1e-4, `${m.name}: speed ${speed} vs distance ${dist[i]}`);
      r.forEach((v, j) => {
        const fd = wrap(p[i][j] - q[i][j]) / (2 * eps);
        assert.ok(Math.abs(fd - v) < 2e-3 * (1 + Math.abs(v)), `${m.name}: u_t ${v} vs FD ${fd}`);
      });
    });
  }
});

test('flow matching on a toy S² data set: loss falls, held-out NLL beats the uniform density', () => {
  const m = sphere(2);
  // toy data: a von Mises–Fisher-like cluster around the north pole (κ ≈ 8) by rejection from uniform
  const rng = seedrandom('toy');
  const pts: number[][] = [];
  while (pts.length < 600) {
    const u = m.sampleUniform(1, rng);
    const z = (u.arraySync() as number[][])[0];
    u.dispose();
    if (rng() < Math.exp(8 * (z[2] - 1))) pts.push(z);
  }
  const data = tf.tensor2d(pts.slice(0, 500));
  const held = tf.tensor2d(pts.slice(500));
  const flow = new CNF(m, seedrandom('f'), { hidden: [32, 32], steps: 4 });
  // the loss on one fixed batch (x₀, x₁, t), before and after training
  const er = seedrandom('eval');
  const ex0 = m.sampleUniform(400, er);
  const et = tf.tensor2d(Array.from({ length: 400 }, () => [er()]));
  const { xt, ut } = geodesicPath(flow, ex0, tf.slice(data, [0, 0], [400, -1]) as tf.Tensor2D, et);
  const fixedLoss = () => tf.tidy(() => flowMatchingLoss(flow, xt, ut, et).dataSync()[0]);
  const nll0 = meanNLL(flow, held, 8);
  const l0 = fixedLoss();
  const losses = trainFlowMatching(flow, data, { iterations: 200, batch: 128, lr: 1e-2, rng: seedrandom('train'), every: 50 });
  const nll1 = meanNLL(flow, held, 8);
  const l1 = fixedLoss();
  assert.ok(Math.abs(nll0 - m.logVolume) < 0.2, `untrained flow should be near uniform: NLL ${nll0} vs ${m.logVolume}`);
  // the conditional loss keeps an irreducible variance (u_t given x_t is random), so the fall is modest
  assert.ok(l1 < 0.85 * l0, `fixed-batch loss ${l0} → ${l1} did not fall (running means ${losses.join(' → ')})`);
  // κ = 8 vMF has entropy log(2π(1−e^{−2κ})/κ) + 1 ≈ 0.67 nats; uniform has 2.53
  assert.ok(nll1 < m.logVolume - 1, `held-out NLL ${nll1} (uniform ${m.logVolume})`);
});

test('flow-matching loss on T² is the metric norm of grad Φ − u (zero flow: mean |u|²)', () => {
  const m = torus(2);
  const flow = new CNF(m, seedrandom('c'), { hidden: [4] });
  flow.variables[flow.variables.length - 1].assign(tf.zeros(flow.variables[flow.variables.length - 1].shape));
  const rng = seedrandom('d');
  const x0 = m.sampleUniform(64, rng);
  const x1 = m.sampleUniform(64, rng);
  const t = tf.fill([64, 1], 0.5) as tf.Tensor2D;
  const { xt, ut } = geodesicPath(flow, x0, x1, t);
  const loss = flowMatchingLoss(flow, xt, ut, t).dataSync()[0];
  const ref = (ut.arraySync() as number[][]).reduce((s, r) => s + r[0] ** 2 + r[1] ** 2, 0) / 64;
  assert.ok(Math.abs(loss - ref) < 1e-4 * ref, `${loss} vs ${ref}`);
});

test.run();
