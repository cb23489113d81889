/**
 * The sampler spec of a flow run on a trained gauge model (U(1) or SU(N)), built in one place for every
 * command that draws flow proposals (`sample --sampler flow`, `propose`): the model fixes group (and N)
 * and dimension, L
 * and β default to the ones it was trained at, and the proposal is the model file loaded by
 * src/flows/gauge/proposal.ts on every thread that draws. Loads the numerics backend (worker threads
 * pin the same choice) and returns its name.
 */
import { resolve } from 'node:path';
import { UsageError } from './args.ts';
import { validateSpec, type SamplerSpec } from '../../samplers/registry.ts';

export interface FlowSpecFlags {
  /** --group as given on the command line (checked against the model), if it was */
  group?: string;
  dims?: number;
  L?: number;
  beta?: number;
  N?: number;
  batch: number;
}

export async function gaugeFlowSpec(modelPath: string, f: FlowSpecFlags): Promise<{ spec: SamplerSpec; backend: string }> {
  const { readGaugeModel } = await import('../flows/gauge/model-file.ts');
  const model = readGaugeModel(modelPath);
  if (f.group !== undefined && f.group !== model.group) throw new UsageError(`--group ${f.group}: the model is a ${model.group} flow`);
  if (f.dims !== undefined && f.dims !== model.dims) throw new UsageError(`--dims ${f.dims}: the model is a ${model.dims}D flow`);
  const spec: SamplerSpec = { sampler: 'flow', group: model.group, dims: model.dims, L: f.L ?? model.trained.L, beta: f.beta ?? model.trained.beta };
  if (model.group !== 'u1') {
    if (f.N !== undefined && f.N !== model.N) throw new UsageError(`--N ${f.N}: the model is an SU(${model.N}) flow`);
    if (model.group === 'suN') spec.N = model.N;
  }
  if (spec.L % 4 !== 0) throw new UsageError(`--L must be a multiple of 4 for a gauge flow (stripe masks), got ${spec.L}`);
  const { gaugeProposalModule } = await import('../flows/gauge/proposal.ts');
  spec.proposal = { module: gaugeProposalModule, options: { model: resolve(modelPath), L: spec.L, beta: spec.beta } };
  spec.batch = f.batch;
  try {
    validateSpec(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { initBackend } = await import('../backend/index.ts');
  return { spec, backend: await initBackend() };
}
