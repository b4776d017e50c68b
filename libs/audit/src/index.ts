/** @app/audit — the append-only, hash-chained audit trail (per-instance streams). */
export * from './audit-writer.js';
export * from './checkpoint.js';
export * from './hash.js';
export * from './verify.js';
export * from './export.js';
