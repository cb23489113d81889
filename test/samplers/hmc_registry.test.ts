import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hotStart } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { sunError } from '../../lattices/matrix.ts';
import { buildKernel, type SamplerSpec } from '../../samplers/registry.ts';

const base: SamplerSpec = { sampler: 'hmc', group: 'su3', dims: 2, L: 4, beta: 2 };

test('buildKernel builds lattice, group and kernel from a spec (defaults: τ = 1, 10 leapfrog steps, 1 OR sweep)', () => {
  for (const spec of [
    { ...base },
    { ...base, sampler: 'heatbath', group: 'u1', dims: 3, L: 3 },
    { ...base, group: 'suN', N: 4, dims: 4, L: 2, integrator: 'omelyan', mdSteps: 3, trajLength: 0.5 },
  ] as SamplerSpec[]) {
    const { kernel, lattice, group } = buildKernel(spec);
    assert.equal(lattice.dims, spec.dims);
    assert.equal(lattice.extents, new Array(spec.dims).fill(spec.L));
    assert.equal(group.kind === 'u1' ? 'u1' : `su${group.N}`, spec.group === 'suN' ? `su${spec.N}` : spec.group);
    const f = hotStart(lattice, group, makeRng('reg'));
    const s = kernel.init(f);
    const [s2, info] = kernel.step(s, makeRng('reg', 'chain'));
    assert.ok(s2.field === f, 'state holds the same field object');
    assert.ok(info.acceptProb >= 0 && info.acceptProb <= 1);
    if (spec.sampler === 'heatbath') assert.ok(info.accepted && info.acceptProb === 1 && info.deltaH === undefined);
    else assert.ok(Number.isFinite(info.deltaH));
  }
});

test('buildKernel rejects bad specs with messages naming the problem', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ beta: -1 }, /beta/],
    [{ beta: NaN }, /beta/],
    [{ L: 1 }, /L must be an integer >= 2/],
    [{ L: 4.5 }, /L must be/],
    [{ dims: 5 }, /dims/],
    [{ dims: 1 }, /dims/],
    [{ sampler: 'metropolis' }, /unknown sampler 'metropolis'/],
    [{ group: 'so3' }, /unknown group 'so3'/],
    [{ group: 'suN' }, /needs an integer N/],
    [{ group: 'su2', N: 3 }, /contradicts/],
    [{ integrator: 'rk4' }, /unknown integrator 'rk4'/],
    [{ mdSteps: 0 }, /mdSteps/],
    [{ trajLength: -1 }, /trajLength/],
    [{ sampler: 'heatbath', orSteps: -2 }, /orSteps/],
  ];
  for (const [patch, re] of bad) assert.throws(() => buildKernel({ ...base, ...patch } as unknown as SamplerSpec), re, JSON.stringify(patch));
});

test('SU(3) links stay in SU(3) over many HMC trajectories (periodic reunitarisation)', () => {
  const { kernel, lattice, group } = buildKernel({ ...base, beta: 4, mdSteps: 5 });
  const f = hotStart(lattice, group, makeRng('unit'));
  const s = kernel.init(f);
  const rng = makeRng('unit', 'chain');
  for (let i = 0; i < 60; i++) kernel.step(s, rng);
  let worst = 0;
  const links = (f as { links: Float64Array }).links;
  for (let l = 0; l < lattice.volume * lattice.dims; l++) worst = Math.max(worst, sunError(links, l * 18, 3));
  assert.ok(worst < 1e-12, `max distance from SU(3): ${worst}`);
});

test.run();
