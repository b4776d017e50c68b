export * from './roster-file.js';
export * from './roster-plan.js';
export * from './roster-import.js';
