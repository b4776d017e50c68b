/**
 * @app/engine — BPMN execution semantics as a pure function:
 * `step(context, state, command, now) -> { state, effects }`. No I/O, no clock reads, no
 * Nest: the shell stores the state, delivers the effects and supplies `now`.
 */
export * from './commands.js';
export * from './context.js';
export * from './effects.js';
export * from './errors.js';
export * from './queries.js';
export * from './state.js';
export { type StepResult, step } from './step.js';
export * from './simulation/index.js';
