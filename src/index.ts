/**
 * gaugeflow's public API: one import for lattice physics, exact results, samplers and diagnostics,
 * and the manifold flows with their training. The CLI (`gaugeflow`) is built on exactly this.
 */
// numerics backend
export { initBackend, activeBackend, tf } from './backend/index.ts';
export type { BackendName } from './backend/index.ts';

// lattice physics (plain TypeScript on Float64Array) and exact reference results
export * from '../lattices/index.ts';
export * from '../lattices/exact.ts';

// samplers: plug-in interfaces, kernels, independence Metropolis, the multi-chain runner, diagnostics
export type { Kernel, StepInfo, Target, Proposal, ProposalBatch } from '../samplers/types.ts';
export { buildKernel, validateSpec } from '../samplers/registry.ts';
export type { SamplerSpec } from '../samplers/registry.ts';
export { hmcKernel } from '../samplers/hmc.ts';
export type { HmcOptions, HmcState } from '../samplers/hmc.ts';
export { heatbathKernel } from '../samplers/heatbath.ts';
export type { HeatbathOptions, HeatbathState } from '../samplers/heatbath.ts';
export { independenceMetropolis, metropolisPass } from '../samplers/metropolis.ts';
export type { IndependenceOptions, IndependenceResult } from '../samplers/metropolis.ts';
export { runChains } from '../samplers/runner.ts';
export type { RunOptions, RunResult } from '../samplers/runner.ts';
export { summariseRun } from '../samplers/runner_analysis.ts';
export type { RunSummary, ObservableSummary } from '../samplers/runner_analysis.ts';
export * from '../samplers/diagnostics/index.ts';

// manifolds, flows, training
export { circle, torus, FlatTorus, sphere, Sphere, maximalTorus, MaximalTorus, manifoldByName } from './manifolds/index.ts';
export type { Manifold } from './manifolds/index.ts';
export type { ManifoldKind } from './manifolds/types.ts';
export type { Flow } from './flows/types.ts';
export type { Bijector, BijectorForward, BijectorInverse, BaseDistribution } from './flows/bijector.ts';
export { accumulateLogdets } from './flows/bijector.ts';
export { TransformedFlow, UniformBase } from './flows/transformed.ts';
export { IRCPMLayer } from './flows/ircpm/layer.ts';
export { CNFLayer } from './flows/cnf/layer.ts';
export { makeIRCPM, IRCPMFlow } from './flows/ircpm/stack.ts';
export type { IRCPMOptions } from './flows/ircpm/stack.ts';
export { boundDiagnostics } from './flows/ircpm/diagnostics.ts';
export { CNF } from './flows/cnf/cnf.ts';
export type { CNFOptions, CNFMode } from './flows/cnf/cnf.ts';
export { saveFlow, loadFlow } from './flows/io.ts';

// densities on S² fitted to data (fit --data): the anisotropic kernel density, mixtures, model files
export { SphereKernelDensity, fitSphereKernel, KERNEL_GRID } from './densities/sphere-kernel.ts';
export type { KernelChoice, KernelFit } from './densities/sphere-kernel.ts';
export { mixtureLogDensity, selectWeight } from './densities/mixture.ts';
export { loadFittedDensity, fittedSphereDensity } from './densities/fitted.ts';
export type { FittedSphereDensity } from './densities/fitted.ts';
export { trainReverseKL, trainMaxLikelihood, trainWithLoss, reverseKLLoss } from './train/train.ts';
export type { TrainOptions, TrainResult, BatchLoss, ReverseKLModel } from './train/train.ts';
export { trainParallel } from './train/parallel.ts';
export type { ParallelTrainOptions, ParallelTrainResult, Trainable, TrainableSpec, Checkpoint } from './train/parallel.ts';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint.ts';
export { evaluate } from './train/evaluate.ts';
export type { Evaluation } from './train/evaluate.ts';
export { targets, targetByName } from './targets/index.ts';
export type { Energy, Target as NamedTarget } from './targets/index.ts';

// bijections of the circle (kernels of the U(1) coupling layers)
export { makeCircleKernel, circleKernelFromJSON, circleKernelKinds } from './flows/circle/kernel.ts';
export type { CircleKernel, CircleKernelKind, CircleKernelOptions, CircleKernelJSON } from './flows/circle/kernel.ts';

// gauge-equivariant U(1) flows: layers, flows, training, proposals, model files
export { U1GaugeCoupling } from './flows/gauge/coupling.ts';
export { U1GaugeFlow, u1Haar } from './flows/gauge/flow.ts';
export { CircularConvNet, circularConv } from './flows/gauge/conv.ts';
export { layerPattern } from './flows/gauge/masks.ts';
export type { CouplingPattern } from './flows/gauge/masks.ts';
export { makeU1GaugeFlow, defaultU1Config, u1GaugeFlowToJSON, u1GaugeFlowFromJSON } from './flows/gauge/build.ts';
export type { U1GaugeFlowConfig, U1GaugeFlowJSON } from './flows/gauge/build.ts';
export { gaugeReverseKL } from './flows/gauge/loss.ts';
export { buildGaugeFlow, gaugeTrainableSpec } from './flows/gauge/trainable.ts';
export type { GaugeTrainableConfig } from './flows/gauge/trainable.ts';
export { gaugeProposal, gaugeProposalModule } from './flows/gauge/proposal.ts';
export { evaluateGaugeProposal } from './flows/gauge/evaluate.ts';
export type { GaugeEvaluation } from './flows/gauge/evaluate.ts';
export { loadGaugeModel, readGaugeModel, saveGaugeModel, gaugeModelPayload } from './flows/gauge/model-file.ts';
export { linksToTensor } from './flows/gauge/layout.ts';

// field proposals for flow chains in the multi-chain runner
export type { FieldProposal, FieldProposalSpec } from '../samplers/types.ts';
export { builtinProposalModule } from '../samplers/proposals/index.ts';

// a flow (or any density) as an MCMC proposal
export { flowProposal, functionTarget } from './proposals/flow-proposal.ts';
export type { FlowProposal } from './proposals/flow-proposal.ts';
