/** The lattices/ public surface in one import (the contract's modules; exact results live in lattices/exact*). */
export * from './random.ts';
export * from './geometry.ts';
export * from './group.ts';
export * from './field.ts';
export * from './matrix.ts';
export * from './haar.ts';
export * from './action.ts';
export * from './observables.ts';
export * from './gauge.ts';
export * from './io.ts';
