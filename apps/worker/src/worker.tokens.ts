/** Injection tokens of the worker app. */
export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');
