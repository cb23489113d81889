/**
 * One proposal batch of a flow chain, reduced to what its accept/reject pass needs: batch b of
 * chain k is drawn from makeRng(seed, 'chain', k, 'proposal', b); each draw gets, in float64,
 * log w = log p − log q with log p = −S_Wilson(U) at the spec's β, and the runner's observables
 * (samplers/observables.ts). The configurations are dropped here, so a batch costs
 * n·(1 + nObs) doubles whatever the lattice (unless the task asks for them: `configs`). The same function runs in worker threads (a worker
 * loads each proposal module once) and in the main thread.
 */
import { pathToFileURL } from 'node:url';
import { wilsonAction } from '../lattices/action.ts';
import type { GaugeField } from '../lattices/field.ts';
import { groupName, linkSize, parseGroup, sameGroup } from '../lattices/group.ts';
import { makeRng } from '../lattices/random.ts';
import { drawWeight, initialState } from './metropolis.ts';
import { measure } from './observables.ts';
import { FLOW_DEFAULT_BATCH, type SamplerSpec } from './registry.ts';
import type { FieldProposal, FieldProposalSpec, Proposal, Target } from './types.ts';

/** What a worker needs for one batch: JSON-able. */
export interface FlowBatchTask {
  spec: SamplerSpec;
  /** observable names, in the order of the rows returned */
  names: string[];
  seed: string | number;
  chain: number;
  batch: number;
  /** draws (the spec's batch size; the chain's pass may use fewer of the last batch) */
  n: number;
  /** also return the drawn configurations (proposal shards with --save-configs) */
  configs?: boolean;
}

export interface FlowBatchResult {
  /** log p − log q per draw (−∞: failed draw) */
  logw: Float64Array;
  /** observables row-major n × names.length (NaN rows for failed draws) */
  obs: Float64Array;
  /**
   * Batch 0 only, when its first draw failed: the chain's start, the first acceptable draw of
   * makeRng(seed, 'chain', k, 'init') (as independenceMetropolis starts).
   */
  start?: { logw: number; obs: Float64Array };
  /** wall seconds of drawing and evaluating log p (measurement excluded) */
  drawSeconds: number;
  /** with task.configs: the n drawn fields in the lattice layout, one after the other (a failed draw's as the proposal returned it) */
  fields?: Float64Array;
}

/** The Wilson-action target, log p = −S(U) in float64. */
export function wilsonTarget(beta: number): Target<GaugeField> {
  return { logDensity: (field) => -wilsonAction(field, beta) };
}

/**
 * A field proposal as a Proposal<GaugeField> (the draws are views into the batch buffer), for
 * independenceMetropolis and the chain start. Checks the shapes of what the module returned.
 */
export function fieldProposalAsProposal(fp: FieldProposal, who = 'field proposal'): Proposal<GaugeField> {
  const { lattice, group } = fp;
  const size = lattice.volume * lattice.dims * linkSize(group);
  return {
    async sample(n, rng) {
      const { fields, logq } = await Promise.resolve(fp.sample(n, rng));
      if (!(fields instanceof Float64Array) || !(logq instanceof Float64Array))
        throw new Error(`${who}: sample(n, rng) must return { fields: Float64Array, logq: Float64Array }`);
      if (fields.length !== n * size || logq.length !== n)
        throw new Error(`${who}: sample(${n}) returned ${fields.length} field values and ${logq.length} log q (expected ${n * size} and ${n})`);
      const xs: GaugeField[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const view = fields.subarray(i * size, (i + 1) * size);
        xs[i] = group.kind === 'u1' ? { group, lattice, theta: view } : { group, lattice, links: view };
      }
      return { xs, logq };
    },
  };
}

function moduleUrl(module: string): string {
  return module.startsWith('file:') ? module : pathToFileURL(module).href;
}

/** Loaded proposals by JSON of their spec: each module is loaded once per thread. */
export class ProposalCache {
  private readonly loaded = new Map<string, Promise<FieldProposal>>();

  get(spec: FieldProposalSpec): Promise<FieldProposal> {
    const key = JSON.stringify(spec);
    let p = this.loaded.get(key);
    if (!p) {
      p = (async () => {
        const mod = (await import(moduleUrl(spec.module))) as { loadFieldProposal?: (o: Record<string, unknown>) => FieldProposal | Promise<FieldProposal> };
        if (typeof mod.loadFieldProposal !== 'function') throw new Error(`flow proposal module ${spec.module} does not export loadFieldProposal(options)`);
        const fp = await mod.loadFieldProposal(spec.options);
        if (!fp || typeof fp.sample !== 'function' || !fp.lattice || !fp.group)
          throw new Error(`flow proposal module ${spec.module}: loadFieldProposal must return { lattice, group, sample(n, rng) }`);
        return fp;
      })();
      this.loaded.set(key, p);
    }
    return p;
  }

  /** Dispose every loaded proposal and forget them. */
  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      try {
        (await p).dispose?.();
      } catch {
        // a proposal that failed to load has nothing to dispose
      }
    }
  }
}

/** Throws unless the proposal draws fields of the spec's lattice and group. */
export function checkProposalMatches(fp: FieldProposal, spec: SamplerSpec): void {
  const group = parseGroup(spec.group, spec.group === 'suN' ? spec.N : undefined);
  const ext = fp.lattice.extents;
  if (!sameGroup(fp.group, group) || ext.length !== spec.dims || ext.some((L) => L !== spec.L)) {
    throw new Error(
      `flow proposal ${spec.proposal?.module}: it draws ${groupName(fp.group)} fields on a ${ext.join('x')} lattice, ` +
        `but the sampler spec asks for ${groupName(group)} on ${new Array<number>(spec.dims).fill(spec.L).join('x')}`,
    );
  }
}

function fieldValues(x: GaugeField): Float64Array {
  return "theta" in x ? x.theta : x.links;
}

/** Draws of the 'init' stream tried for a start before giving up. */
const MAX_INIT_DRAWS = 10_000;

export async function drawFlowBatch(task: FlowBatchTask, cache: ProposalCache): Promise<FlowBatchResult> {
  const { spec, names } = task;
  if (!spec.proposal) throw new Error("flow batch: the spec has no proposal (sampler 'flow' needs one)");
  const fp = await cache.get(spec.proposal);
  checkProposalMatches(fp, spec);
  const who = `flow proposal ${spec.proposal.module}`;
  const proposal = fieldProposalAsProposal(fp, who);
  const target = wilsonTarget(spec.beta);
  const m = names.length;
  const t0 = performance.now();
  const { xs, logq } = await proposal.sample(task.n, makeRng(task.seed, 'chain', task.chain, 'proposal', task.batch));
  const logw = new Float64Array(task.n);
  for (let i = 0; i < task.n; i++) logw[i] = drawWeight(target, xs[i]!, logq[i]!, `${who}, chain ${task.chain} batch ${task.batch} draw ${i}`);
  const drawSeconds = (performance.now() - t0) / 1000;
  const obs = new Float64Array(task.n * m).fill(NaN);
  for (let i = 0; i < task.n; i++) if (logw[i]! > -Infinity) measure(xs[i]!, names, obs.subarray(i * m, (i + 1) * m));
  const out: FlowBatchResult = { logw, obs, drawSeconds };
  if (task.configs) {
    const size = xs.length > 0 ? fieldValues(xs[0]!).length : 0;
    const fields = new Float64Array(task.n * size);
    for (let i = 0; i < task.n; i++) fields.set(fieldValues(xs[i]!), i * size);
    out.fields = fields;
  }
  if (task.batch === 0 && task.n > 0 && logw[0] === -Infinity) {
    let s;
    try {
      s = await initialState(target, proposal, task.seed, task.chain, spec.batch ?? FLOW_DEFAULT_BATCH, MAX_INIT_DRAWS);
    } catch (e) {
      throw new Error(`${who}: ${(e as Error).message}`);
    }
    const row = new Float64Array(m);
    measure(s.x, names, row);
    out.start = { logw: s.logw, obs: row };
  }
  return out;
}
