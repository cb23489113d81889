// Issue 9 item 1: the memory estimate the CLI refuses runs by (samplers/memory.ts) is checked
// against what the kernels really allocate, and the interruptible hot start is the hot start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildKernel, type SamplerSpec } from '../../samplers/registry.ts';
import { estimateRunMemory, fieldBytes, kernelBytesPerLink, linkCount } from '../../samplers/memory.ts';
import { interruptibleHotStart } from '../../samplers/runner_chain.ts';
import { hotStart, type SUNField, type U1Field } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const cases: SamplerSpec[] = [
  { sampler: 'hmc', group: 'u1', dims: 2, L: 256, beta: 1 },
  { sampler: 'hmc', group: 'u1', dims: 4, L: 12, beta: 1 },
  { sampler: 'heatbath', group: 'u1', dims: 3, L: 40, beta: 1 },
  { sampler: 'hmc', group: 'su3', dims: 4, L: 6, beta: 5 },
  { sampler: 'heatbath', group: 'su2', dims: 2, L: 64, beta: 2 },
  { sampler: 'hmc', group: 'suN', N: 4, dims: 2, L: 32, beta: 2 },
];

/**
 * Peak growth of ArrayBuffer memory while a kernel starts and does two updates, each case in a fresh
 * process (other tests' garbage, cached lattices and scratch buffers would blur the numbers).
 */
function measure(specs: SamplerSpec[]): number[] {
  return specs.map((spec) => measureOne(spec));
}

function measureOne(spec: SamplerSpec): number {
  const script = `
import { buildKernel } from './samplers/registry.ts';
import { hotStart } from './lattices/field.ts';
import { makeRng } from './lattices/random.ts';
const out = [];
for (const spec of [${JSON.stringify(spec)}]) {
  // full collections with a pause between, so that freed ArrayBuffers (swept concurrently) are gone
  for (let k = 0; k < 3; k++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m0 = process.memoryUsage().arrayBuffers;
  const { kernel, lattice, group } = buildKernel(spec);
  const rng = makeRng(1, 'memory');
  let state = kernel.init(hotStart(lattice, group, rng));
  let peak = process.memoryUsage().arrayBuffers - m0;
  for (let i = 0; i < 2; i++) {
    state = kernel.step(state, rng)[0];
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - m0);
  }
  out.push(peak);
  state = null;
}
console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout)[0];
}

test('estimate vs allocation: an upper bound within 25 % for every kernel', () => {
  const got = measure(cases);
  cases.forEach((spec, i) => {
    const name = `${spec.sampler} ${spec.group}${spec.N ?? ''} ${spec.dims}D L=${spec.L}`;
    const est = linkCount(spec.dims, spec.L) * kernelBytesPerLink(spec);
    // an upper bound (refusing too little is the failure that matters) that is not loose
    assert.ok(got[i]! <= est * 1.02, `${name}: measured ${got[i]} B > estimate ${est} B`);
    assert.ok(got[i]! >= est * 0.75, `${name}: measured ${got[i]} B, estimate ${est} B is too loose`);
  });
});

test('the issue\'s examples: SU(3) 64⁴ HMC ×4 chains ≈ 198 GiB; U(1) L = 20000 one chain ≈ 57 GiB', () => {
  const su3 = estimateRunMemory({ sampler: 'hmc', group: 'su3', dims: 4, L: 64, beta: 6 }, { chains: 4, nPerChain: 1000, therm: 200, measEvery: 1, observables: 1, workers: 0 });
  assert.ok(Math.abs(fieldBytes({ group: 'su3', dims: 4, L: 64 }) - 9.66e9) < 0.01e9); // "one SU(3) field is ≈ 9.7 GB"
  assert.ok(su3.total > 190 * 1024 ** 3 && su3.total < 200 * 1024 ** 3, String(su3.total));
  const u1 = estimateRunMemory({ sampler: 'hmc', group: 'u1', dims: 2, L: 20000, beta: 2 }, { chains: 1, nPerChain: 1000, therm: 200, measEvery: 1, observables: 3, workers: 0 });
  assert.ok(u1.total > 56 * 1024 ** 3 && u1.total < 57 * 1024 ** 3, String(u1.total));
  // measurements count too: 10⁸ measurements of 3 observables per chain
  const long = estimateRunMemory({ sampler: 'heatbath', group: 'u1', dims: 2, L: 4, beta: 2 }, { chains: 2, nPerChain: 1e8, therm: 0, measEvery: 1, observables: 3, workers: 0 });
  assert.ok(long.total >= 2 * 1e8 * 3 * 8);
});

test('interruptible hot start: the same field as hotStart, and it stops when asked', async () => {
  const { lattice, group } = buildKernel({ sampler: 'heatbath', group: 'su2', dims: 2, L: 64, beta: 1 });
  const a = hotStart(lattice, group, makeRng(3, 'x')) as SUNField;
  const b = (await interruptibleHotStart(lattice, group, makeRng(3, 'x'), { shouldStop: () => false, pause: async () => {} }, 0)) as SUNField;
  assert.equal(b.links, a.links);
  const u = buildKernel({ sampler: 'hmc', group: 'u1', dims: 2, L: 512, beta: 1 });
  const c = hotStart(u.lattice, u.group, makeRng(4)) as U1Field;
  const d = (await interruptibleHotStart(u.lattice, u.group, makeRng(4), { shouldStop: () => false }, 0)) as U1Field;
  assert.equal(d.theta, c.theta);
  let pauses = 0;
  const stopped = await interruptibleHotStart(lattice, group, makeRng(3, 'x'), { shouldStop: () => pauses >= 2, pause: async () => void pauses++ }, 0);
  assert.is(stopped, null);
  assert.is(pauses, 2, 'stopped at the first check after the stop request');
});

test.run();
