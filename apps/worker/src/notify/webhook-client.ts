/** A robot refused or did not answer; the message never includes the URL (it holds the key). */
export class WebhookDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs a JSON body to a group robot. A non-2xx status, or a 2xx body with a DingTalk/WeCom
 * `errcode` other than 0, is a failure; so is no answer within the timeout.
 */
export async function postWebhook(
  url: string,
  payload: object,
  timeoutMs: number = WEBHOOK_TIMEOUT_MS,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError') throw new WebhookDeliveryError(`no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new WebhookDeliveryError(
      `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new WebhookDeliveryError(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return; // a 2xx without a JSON body: nothing says it failed
  }
  const { errcode, errmsg } = (body ?? {}) as { errcode?: unknown; errmsg?: unknown };
  if (errcode !== undefined && Number(errcode) !== 0) {
    throw new WebhookDeliveryError(
      `errcode ${JSON.stringify(errcode)}: ${typeof errmsg === 'string' ? errmsg : ''}`.trim(),
    );
  }
}
