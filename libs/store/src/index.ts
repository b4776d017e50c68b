/**
 * @app/store — PostgreSQL persistence: the shared DataSource and migrations, deployment, the
 * transaction that applies an engine step, and the repositories of instances, tasks, timers,
 * templates and notifications.
 */
export * from './batch-start.js';
export * from './batch-start-plan.js';
export * from './business-keys.js';
export * from './clock.js';
export * from './data-source.js';
export * from './definition-cache.js';
export * from './deployment.service.js';
export * from './effects-projection.js';
export * from './instance-runtime.js';
export * from './instance-runtime.types.js';
export { CLAIM_DUE_TIMERS_SQL } from './instance-lock.js';
export * from './runtime.exception.js';
export type * from './step-projector.js';
export * from './migrate.js';
export {
  PREPARED_PER_CONNECTION,
  type Statement,
  pipeline,
  pooledPipeline,
  preparedQuery,
} from './pipeline.js';
export { type RowsForm, WriteBatch } from './write-batch.js';
export { AUDIT_EVENT_ROWS, AUDIT_HEAD_ROWS, INSTANCE_UPDATE_ROWS } from './instance-write.js';
export * from './instances.repository.js';
export * from './templates.repository.js';
export type { TaskScope, UnitScope } from './scope.sql.js';
export { taskScopeCondition, unitScopeCondition } from './scope.sql.js';
export * from './notifications.repository.js';
export * from './tasks.repository.js';
export * from './timers.repository.js';
