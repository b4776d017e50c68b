/**
 * Notification channels: the in-app inbox and group-robot webhooks (WeCom, DingTalk). Free of
 * Nest so it can move to `libs/notify` (`@app/notify`) unchanged once the alias exists.
 */
export * from './messages.js';
export * from './notifier.js';
export * from './recipients.js';
export * from './webhook-client.js';
export * from './webhook-format.js';
