/** @app/queue — queue names, job payloads, the transactional outbox and its dispatcher. */
export * from './dispatcher.js';
export * from './outbox.js';
export * from './queue-location.js';
export * from './queues.js';
