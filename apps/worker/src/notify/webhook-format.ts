/** The robot formats and the client live in @app/org (channel-robot.ts), shared with the api. */
export {
  type ChannelKind as WebhookFormat,
  type RobotMessage as WebhookMessage,
  isChannelKind as isWebhookFormat,
  robotPayload as webhookPayload,
} from '@app/org';
