// Issue 9 item 4: exact values annotate a run and never cost it: bounded time, failures → null.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exactAnnotation, exactReference } from '../../samplers/runner_exact.ts';
import { sunExact2D, sunPlaquetteInfinite, u1Exact2D, ExactBudgetError } from '../../lattices/exact.ts';

test('solved theories: the same values as the exact functions, no warning', () => {
  const u = exactAnnotation({ sampler: 'hmc', group: 'u1', dims: 2, L: 8, beta: 2 });
  assert.is(u.warning, null);
  assert.is(u.exact!.values.plaquette, u1Exact2D(2, 8).plaquette);
  const s = exactAnnotation({ sampler: 'heatbath', group: 'su2', dims: 2, L: 4, beta: 2 });
  assert.is(s.exact!.values.plaquette, sunExact2D(2, 2, 4).plaquette);
  assert.is(s.exact!.infiniteVolume, false);
  assert.is(exactAnnotation({ sampler: 'hmc', group: 'u1', dims: 3, L: 4, beta: 2 }).exact, null);
});

test('a numerical breakdown (SU(2) at β = 1e16) is exact: null with a warning, not an exception', () => {
  assert.throws(() => exactReference({ sampler: 'hmc', group: 'su2', dims: 2, L: 4, beta: 1e16 }));
  const r = exactAnnotation({ sampler: 'hmc', group: 'su2', dims: 2, L: 4, beta: 1e16 });
  assert.is(r.exact, null);
  assert.match(r.warning!, /^no exact value: .*non-positive/);
});

test('a slow finite-volume sum (SU(32), 2×2) is cut at its budget and falls back to infinite volume', () => {
  const t0 = performance.now();
  const r = exactAnnotation({ sampler: 'heatbath', group: 'suN', N: 32, dims: 2, L: 2, beta: 2 }, [], 300);
  const ms = performance.now() - t0;
  assert.ok(ms < 1500, `${ms} ms`); // the full sum takes > 40 s
  assert.is(r.exact!.infiniteVolume, true);
  assert.is(r.exact!.values.plaquette, sunPlaquetteInfinite(32, 2));
  assert.match(r.warning!, /exceeded 0\.3 s/);
  assert.throws(() => sunExact2D(32, 2, 2, { deadline: performance.now() + 50 }), (e: unknown) => e instanceof ExactBudgetError);
});

test.run();
