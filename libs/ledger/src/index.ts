/**
 * @app/ledger — the 挂账销号 ledger: items with the 四个明确, their life (progress, evidence,
 * 销号, rejection, 回头看, 督办), traffic lights, roll-ups, and the part of an engine step that
 * opens and submits task items. Free of Nest; depends on @app/audit, @app/org and @app/time.
 */
export * from './evidence-type.js';
export * from './ledger-access.js';
export * from './ledger-projection.js';
export * from './ledger.exception.js';
export * from './ledger.store.js';
export * from './ledger.types.js';
export * from './overdue-board.js';
export * from './periods.js';
export * from './traffic-light.js';
export * from './required-evidence.js';
export { ALL_ITEM_FACTS } from './rollup-counters.js';
