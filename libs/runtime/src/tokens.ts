/** Injection tokens of the runtime module. */
export const ENV = Symbol('ENV');
export const CLOCK = Symbol('CLOCK');
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');
