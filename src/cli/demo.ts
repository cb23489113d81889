/**
 * `gaugeflow demo`: the main job in one command, on whatever backend starts (wasm by default).
 *
 * 1. Exact 2D U(1) results on an 8×8 torus at β = 2 (the reference every sampler is judged by).
 * 2. HMC and heat bath on that lattice, each compared with the exact plaquette and ⟨Q²⟩.
 * 3. A flow as an MCMC proposal: an IRCPM is trained by reverse KL on the `rezende-multimodal`
 *    density on T², then drives independence Metropolis; the chain's ⟨log p⟩ (the analogue of ⟨−S⟩)
 *    is compared with its exact value by quadrature. The chain is exact whatever the flow's quality; training
 *    only buys acceptance (reported beside the importance ESS).
 *
 * Ctrl-C stops the current stage (chains at their next update, training after its current step),
 * prints what was done (with --json: `interrupted: true` and the stages finished) and exits 130.
 */
import { parseFlags, flagHelp } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { initBackend } from '../backend/index.ts';
import { u1Exact2D } from '../../lattices/exact.ts';
import { makeRng } from '../../lattices/random.ts';
import { runChains } from '../../samplers/runner.ts';
import { summariseRun } from '../../samplers/runner_analysis.ts';
import { independenceMetropolis } from '../../samplers/metropolis.ts';
import { gammaMethod, importanceEss } from '../../samplers/diagnostics/index.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { torus } from '../manifolds/index.ts';
import { makeIRCPM } from '../flows/ircpm/stack.ts';
import { reverseKLLoss, trainWithLossAsync } from '../train/train.ts';
import { evaluate } from '../train/evaluate.ts';
import { targetByName } from '../targets/index.ts';
import { flowProposal, functionTarget } from '../proposals/flow-proposal.ts';
import { tf } from '../backend/index.ts';

const specs = {
  seed: { type: 'int', default: 1, help: 'seed of every random stream' },
  quick: { type: 'boolean', help: 'shorter runs (a smoke test, larger error bars)' },
  json: { type: 'boolean', help: 'one JSON object on stdout' },
  help: { type: 'boolean' },
} as const;

/** ∫∫ f e^{log p} / ∫∫ e^{log p} on T² by the periodic trapezoid rule (spectrally accurate). */
function torusExpectation(logp: (x: number[]) => number, f: (x: number[]) => number, n = 512): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = [(2 * Math.PI * i) / n - Math.PI, (2 * Math.PI * j) / n - Math.PI];
      const w = Math.exp(logp(x));
      num += w * f(x);
      den += w;
    }
  }
  return num / den;
}

const sigma = (mean: number, err: number, exact: number) => (err > 0 ? (mean - exact) / err : NaN);
const fmt = (x: number, d = 5) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, specs);
  if (flags.help) {
    console.log(`usage: gaugeflow demo [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  const backend = await initBackend();
  const t0 = performance.now();
  const interrupt = onInterrupt('demo', 'stopping the current stage');
  try {
    return await stages(flags, backend, t0, interrupt.signal);
  } finally {
    interrupt.close();
  }
}

async function stages(flags: { seed?: number; quick?: boolean; json?: boolean }, backend: string, t0: number, signal: AbortSignal): Promise<number> {
  const seed = flags.seed!;
  const quick = !!flags.quick;
  const say = (s: string) => {
    if (!flags.json) console.log(s);
  };
  const stopped = (done: Record<string, unknown>): number => {
    const wallSeconds = (performance.now() - t0) / 1e3;
    say(`\ninterrupted after ${wallSeconds.toFixed(1)} s: the stages above are complete, the current one was stopped`);
    if (flags.json) console.log(JSON.stringify({ command: 'demo', backend, seed, quick, interrupted: true, ...done, wallSeconds }, null, 2));
    return 130;
  };
  say(`gaugeflow demo — backend ${backend}, seed ${seed}${quick ? ' (quick)' : ''}\n`);

  // 1. exact results
  const beta = 2;
  const L = 8;
  const exact = u1Exact2D(beta, L);
  say(`1. Exact 2D U(1), ${L}×${L} torus, β = ${beta}: ⟨cos θ_P⟩ = ${fmt(exact.plaquette, 6)}, ⟨Q²⟩ = ${fmt(exact.Q2, 5)}, χ_t = ${fmt(exact.chi, 6)}\n`);

  // 2. baselines against the exact values
  say('2. Baseline samplers vs exact (4 chains, Γ-method errors):');
  const baselines: Record<string, unknown> = {};
  for (const sampler of ['hmc', 'heatbath'] as const) {
    const spec: SamplerSpec = { sampler, group: 'u1', dims: 2, L, beta, trajLength: 1, mdSteps: 10 };
    const runResult = await runChains({ spec, seed, chains: 4, workers: 0, nPerChain: quick ? 1000 : 8000, therm: 200, signal });
    if (runResult.interrupted) return stopped({ exact: { beta, L, ...exact }, baselines });
    const s = summariseRun(runResult);
    const p = s.observables.plaquette!;
    const q = s.observables.Q2!;
    baselines[sampler] = {
      plaquette: { mean: p.mean, err: p.err, sigma: sigma(p.mean, p.err, exact.plaquette), tauInt: p.tauInt },
      Q2: { mean: q.mean, err: q.err, sigma: sigma(q.mean, q.err, exact.Q2), tauInt: q.tauInt },
      acceptance: s.acceptance,
      msPerUpdate: s.secondsPerUpdate * 1e3,
    };
    say(
      `   ${sampler.padEnd(8)} plaquette ${fmt(p.mean)} ± ${fmt(p.err)} (${fmt(sigma(p.mean, p.err, exact.plaquette), 1)}σ)   ` +
        `Q² ${fmt(q.mean, 3)} ± ${fmt(q.err, 3)} (${fmt(sigma(q.mean, q.err, exact.Q2), 1)}σ)   ` +
        `acceptance ${fmt(s.acceptance, 3)}   ${fmt(s.secondsPerUpdate * 1e3, 3)} ms/update`,
    );
  }

  // 3. a flow as an MCMC proposal
  const target = targetByName('rezende-multimodal');
  const steps = quick ? 60 : 200;
  say(`\n3. IRCPM flow on T² (${target.name}), reverse-KL training for ${steps} steps on ${backend}...`);
  const flow = makeIRCPM(torus(2), makeRng(seed, 'demo', 'init'));
  const tTrain = performance.now();
  const trained = await trainWithLossAsync(flow, { steps, batch: 256, lr: 3e-3, rng: makeRng(seed, 'demo', 'train'), progress: !flags.json, signal }, 'reverse KL', reverseKLLoss(flow, target.logp));
  if (trained.interrupted) {
    tf.dispose(flow.variables);
    return stopped({ exact: { beta, L, ...exact }, baselines });
  }
  const trainSeconds = (performance.now() - tTrain) / 1e3;
  const ev = evaluate(flow, target.logp, quick ? 4000 : 20000, makeRng(seed, 'demo', 'eval'), { exactLogZ: target.logZ });
  const proposal = flowProposal(flow);
  const nSteps = quick ? 4000 : 20000;
  const chain = await independenceMetropolis(functionTarget((x) => target.logp64([x[0], x[1]])), proposal, { nSteps, batchSize: 2000, seed });
  const obs = (x: number[] | Float64Array) => target.logp64([x[0], x[1]]);
  const g = gammaMethod(chain.states.map((x) => obs(x)));
  const exactObs = torusExpectation(target.logp64, obs);
  tf.dispose(flow.variables);
  const flowResult = {
    target: target.name,
    trainSteps: steps,
    trainSeconds,
    ess: ev.ess,
    kl: ev.klExact ?? ev.kl,
    chainSteps: nSteps,
    acceptance: chain.acceptRate,
    chainImportanceEss: importanceEss(chain.logw),
    failedDraws: proposal.stats.failed,
    observable: 'log p',
    mean: g.value,
    err: g.err,
    tauInt: g.tauInt,
    exact: exactObs,
    sigma: sigma(g.value, g.err, exactObs),
  };
  say(`   trained in ${fmt(trainSeconds, 1)} s: ESS ${fmt(ev.ess, 4)}, KL ${fmt(flowResult.kl, 4)} (20000 fresh samples${quick ? ', quick: 4000' : ''})`);
  say(
    `   independence Metropolis, ${nSteps} steps: acceptance ${fmt(chain.acceptRate, 3)}, τ_int ${fmt(g.tauInt, 2)}, ` +
      `⟨log p⟩ = ${fmt(g.value, 4)} ± ${fmt(g.err, 4)} vs exact ${fmt(exactObs, 4)} (${fmt(flowResult.sigma, 1)}σ)`,
  );
  const wallSeconds = (performance.now() - t0) / 1e3;
  say(`\ndone in ${fmt(wallSeconds, 1)} s`);
  if (flags.json) {
    console.log(JSON.stringify({ command: 'demo', backend, seed, quick, exact: { beta, L, ...exact }, baselines, flow: flowResult, wallSeconds }, null, 2));
  }
  return 0;
}
