/** @app/config — the one validated environment of the api and the worker. */
export * from './env.js';
