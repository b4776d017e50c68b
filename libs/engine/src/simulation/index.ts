export * from './scenario.js';
export * from './simulate.js';
