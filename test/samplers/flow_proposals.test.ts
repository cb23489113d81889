import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { besselI } from '../../lattices/exact/bessel.ts';
import { makeRng } from '../../lattices/random.ts';
import { traceRe } from '../../lattices/matrix.ts';
import { loadFieldProposal as haar } from '../../samplers/proposals/haar.ts';
import { loadFieldProposal as vonmises } from '../../samplers/proposals/vonmises.ts';
import { builtinProposalModule } from '../../samplers/proposals/index.ts';
import type { FieldBatch } from '../../samplers/types.ts';

const meanErr = (xs: ArrayLike<number>) => {
  let s = 0, s2 = 0;
  for (let i = 0; i < xs.length; i++) (s += xs[i]!), (s2 += xs[i]! * xs[i]!);
  const m = s / xs.length;
  return { m, err: Math.sqrt((s2 / xs.length - m * m) / (xs.length - 1)) };
};

test('vonmises: links have ⟨cos θ⟩ = I₁(κ)/I₀(κ), and log q is normalised: E_q[1/q] = ∫ dHaar = 1', () => {
  const kappa = 0.7;
  const p = vonmises({ group: 'u1', dims: 2, L: 2, kappa });
  const n = 20000;
  const { fields, logq } = p.sample(n, makeRng('vm')) as FieldBatch;
  assert.is(fields.length, n * 8);
  assert.ok(fields.every((t) => t > -Math.PI && t <= Math.PI));
  const c = meanErr(fields.map(Math.cos));
  const exact = besselI(1, kappa) / besselI(0, kappa);
  assert.ok(Math.abs(c.m - exact) < 4 * c.err && c.err < 0.003, `⟨cos θ⟩ ${c.m} ± ${c.err} vs ${exact}`);
  // log q w.r.t. normalised Haar measure: a missing 2π or I₀ would move this far from 1
  const inv = meanErr(logq.map((l) => Math.exp(-l)));
  assert.ok(Math.abs(inv.m - 1) < 4 * inv.err && inv.err < 0.02, `E_q[1/q] = ${inv.m} ± ${inv.err}`);
  for (let i = 0; i < 5; i++) {
    let s = 0;
    for (let l = 0; l < 8; l++) s += Math.cos(fields[8 * i + l]!);
    assert.ok(Math.abs(logq[i]! - (kappa * s - 8 * Math.log(besselI(0, kappa)))) < 1e-12);
  }
  // reproducible from the rng alone
  assert.equal(Array.from((p.sample(3, makeRng('vm')) as FieldBatch).fields), Array.from(fields.subarray(0, 24)));
});

test('haar: log q = 0, SU(2) links with ⟨Re tr U⟩ = 0 and ⟨(Re tr U)²⟩ = 1; U(1) angles uniform', () => {
  const p = haar({ group: 'su2', dims: 2, L: 2 });
  const { fields, logq } = p.sample(2000, makeRng('h')) as FieldBatch;
  assert.is(fields.length, 2000 * 8 * 8);
  assert.ok(logq.every((l) => l === 0));
  const tr = Array.from({ length: 16000 }, (_, l) => traceRe(fields, 8 * l, 2));
  const t1 = meanErr(tr);
  const t2 = meanErr(tr.map((x) => x * x));
  assert.ok(Math.abs(t1.m) < 4 * t1.err, `⟨Re tr U⟩ ${t1.m} ± ${t1.err}`);
  assert.ok(Math.abs(t2.m - 1) < 4 * t2.err, `⟨(Re tr U)²⟩ ${t2.m} ± ${t2.err}`);
  const u1 = haar({ group: 'u1', dims: 3, L: 2 }).sample(1000, makeRng('h1')) as FieldBatch;
  assert.is(u1.fields.length, 1000 * 24);
  const c = meanErr(u1.fields.map(Math.cos));
  assert.ok(Math.abs(c.m) < 4 * c.err);
});

test('bad options are clear errors', () => {
  assert.throws(() => vonmises({ group: 'su2', dims: 2, L: 2, kappa: 1 }), /vonmises proposal: U\(1\) only/);
  assert.throws(() => vonmises({ group: 'u1', dims: 2, L: 2, kappa: -1 }), /kappa must be a finite number >= 0/);
  assert.throws(() => vonmises({ group: 'u1', dims: 2, L: 2 }), /kappa/);
  assert.throws(() => haar({ group: 'u1', dims: 5, L: 2 }), /dims must be 2, 3 or 4/);
  assert.throws(() => haar({ group: 'u1', dims: 2, L: 1 }), /L must be an integer >= 2/);
  assert.throws(() => haar({ group: 'so3', dims: 2, L: 2 }), /unknown gauge group/);
  assert.throws(() => builtinProposalModule('flowy' as 'haar'), /unknown built-in proposal 'flowy'/);
  assert.match(builtinProposalModule('haar'), /samplers\/proposals\/haar\.ts$/);
});

test.run();
