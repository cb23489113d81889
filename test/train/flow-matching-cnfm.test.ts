import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../../src/backend/index.ts';
import { sphere } from '../../src/manifolds/index.ts';
import { CNF } from '../../src/flows/cnf/cnf.ts';
import { kdePath, sampleVmf, trainCNFM } from '../../src/train/flow-matching-cnfm.ts';
import { meanNLL } from '../../src/train/flow-matching.ts';

test.before(async () => {
  await initBackend();
});

test('vMF sampler: E[μ·x] = coth κ − 1/κ (4 standard errors), unit norm', () => {
  const rng = seedrandom('v');
  const mu = [0.6, 0, 0.8];
  for (const kappa of [2, 30]) {
    const n = 20000;
    const c = Array.from({ length: n }, () => {
      const x = sampleVmf(mu, kappa, rng);
      assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-12);
      return x[0] * mu[0] + x[1] * mu[1] + x[2] * mu[2];
    });
    const m = c.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(c.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
    const exact = 1 / Math.tanh(kappa) - 1 / kappa;
    assert.ok(Math.abs(m - exact) < 4 * (sd / Math.sqrt(n)), `κ=${kappa}: ${m} vs ${exact}`);
  }
});

test('KDE path: ∂_t log p_t and grad log p_t agree with float64 finite differences', () => {
  const m = sphere(2);
  const rng = seedrandom('p');
  const kappa = 12;
  const data = (m.sampleUniform(7, rng).arraySync() as number[][]);
  const logC = Math.log(kappa / (4 * Math.PI * Math.sinh(kappa)));
  const logP = (x: number[], t: number) => {
    const k = data.reduce((s, d) => s + Math.exp(logC + kappa * (d[0] * x[0] + d[1] * x[1] + d[2] * x[2])), 0) / data.length;
    return Math.log((1 - t) / (4 * Math.PI) + t * k);
  };
  const xs = m.sampleUniform(5, rng).arraySync() as number[][];
  const t = 0.6;
  const { dtLogP, gradLogP } = kdePath(tf.tensor2d(data), tf.tensor2d(xs), tf.fill([5, 1], t) as tf.Tensor2D, kappa, m.logVolume);
  const dt = dtLogP.arraySync() as number[];
  const g = gradLogP.arraySync() as number[][];
  const eps = 1e-5;
  xs.forEach((x, b) => {
    const fdT = (logP(x, t + eps) - logP(x, t - eps)) / (2 * eps);
    assert.ok(Math.abs(fdT - dt[b]) < 1e-3 * (1 + Math.abs(fdT)), `∂t: ${dt[b]} vs ${fdT}`);
    // tangent gradient: directional derivatives along the geodesics x → cos ε x + sin ε e
    assert.ok(Math.abs(g[b][0] * x[0] + g[b][1] * x[1] + g[b][2] * x[2]) < 1e-4, 'gradient not tangent');
    for (const e of [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) {
      const d = e[0] * x[0] + e[1] * x[1] + e[2] * x[2];
      let te = e.map((v, i) => v - d * x[i]);
      const nt = Math.hypot(...te);
      te = te.map((v) => v / nt);
      const at = (s: number) => x.map((v, i) => Math.cos(s) * v + Math.sin(s) * te[i]);
      const fd = (logP(at(eps), t) - logP(at(-eps), t)) / (2 * eps);
      const an = g[b].reduce((s, v, i) => s + v * te[i], 0);
      assert.ok(Math.abs(fd - an) < 2e-3 * (1 + Math.abs(fd)), `grad: ${an} vs ${fd}`);
    }
  });
});

test('CNFM training on a toy S² cluster: loss falls, held-out NLL well below uniform', () => {
  const m = sphere(2);
  const rng = seedrandom('toy');
  const mu = [0, 0, 1];
  const pts = Array.from({ length: 400 }, () => sampleVmf(mu, 8, rng));
  const data = tf.tensor2d(pts.slice(0, 300));
  const held = tf.tensor2d(pts.slice(300));
  const flow = new CNF(m, seedrandom('f'), { hidden: [24, 24], steps: 4 });
  const losses = trainCNFM(flow, data, { iterations: 150, batch: 128, lr: 1e-2, kappa: 20, rng: seedrandom('tr'), every: 50 });
  const nll = meanNLL(flow, held, 8);
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses.join(' → ')}`);
  // vMF(κ=8) entropy ≈ 0.67 nats; uniform 2.53
  assert.ok(nll < m.logVolume - 1, `held-out NLL ${nll}`);
});

test.run();
