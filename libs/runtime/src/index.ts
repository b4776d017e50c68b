/**
 * @app/runtime — the Nest module both processes share (environment, database, deployment,
 * step runtime, outbox dispatcher) and start-up template deployment.
 */
export * from './redis.js';
export * from './runtime.module.js';
export * from './template-loader.js';
export * from './tokens.js';
