/** Group-robot formats the `webhooks.format` column allows. */
export type WebhookFormat = 'wecom' | 'dingtalk';

export interface WebhookMessage {
  readonly title: string;
  readonly body: string;
  readonly recipient: string;
}

/** WeCom allows 4096 bytes of markdown; stay well below for multi-byte text. */
const MAX_MARKDOWN = 1200;

function markdown(message: WebhookMessage): string {
  const text = `### ${message.title}\n${message.body}\n> 接收人：${message.recipient}`;
  return text.length > MAX_MARKDOWN ? `${text.slice(0, MAX_MARKDOWN - 1)}…` : text;
}

/**
 * The request body a group robot expects: WeCom
 * `{"msgtype":"markdown","markdown":{"content":"..."}}`, DingTalk
 * `{"msgtype":"markdown","markdown":{"title":"...","text":"..."}}`.
 */
export function webhookPayload(format: WebhookFormat, message: WebhookMessage): object {
  switch (format) {
    case 'wecom':
      return { msgtype: 'markdown', markdown: { content: markdown(message) } };
    case 'dingtalk':
      return { msgtype: 'markdown', markdown: { title: message.title, text: markdown(message) } };
  }
}

export function isWebhookFormat(value: string): value is WebhookFormat {
  return value === 'wecom' || value === 'dingtalk';
}
