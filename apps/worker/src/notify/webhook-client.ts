import { postToRobot } from '@app/org';

/** A channel (group robot) refused or did not answer; the message is its answer, never the URL. */
export class WebhookDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

/** How long a webhook that is not a channel (e.g. AUDIT_CHECKPOINT_WEBHOOK) may take to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body to a webhook that is not an org unit's channel (the audit checkpoint's):
 * a non-2xx status, a 2xx body with an `errcode` other than 0, or no answer within the timeout
 * throws {@link WebhookDeliveryError} with the answer (never the URL).
 */
export async function postWebhook(
  url: string,
  payload: object,
  timeoutMs: number = WEBHOOK_TIMEOUT_MS,
): Promise<void> {
  const { ok, answer } = await postToRobot(url, payload, timeoutMs);
  if (!ok) throw new WebhookDeliveryError(answer);
}
