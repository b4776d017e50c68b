/** A channel (group robot) refused or did not answer; the message is its answer, never the URL. */
export class WebhookDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}
