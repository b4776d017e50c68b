import { createHmac } from 'node:crypto';

/**
 * Group robots (WeCom 企业微信, DingTalk 钉钉): the request body each expects, DingTalk's
 * signature (加签), which robot addresses are allowed, and one POST with a bounded answer.
 * Free of Nest and of the database: the worker delivers with it, the api's test-send too.
 */
export type ChannelKind = 'wecom' | 'dingtalk';

export const CHANNEL_KINDS: readonly ChannelKind[] = ['wecom', 'dingtalk'];

export function isChannelKind(value: unknown): value is ChannelKind {
  return value === 'wecom' || value === 'dingtalk';
}

export interface RobotMessage {
  readonly title: string;
  readonly body: string;
  /** Who the notice is addressed to (a quoted line under the text); none for a test message. */
  readonly recipient?: string;
}

/** WeCom allows 4096 bytes of markdown; stay well below for multi-byte text. */
const MAX_MARKDOWN = 1200;

/** Most characters of a channel's answer kept (status line included) in a delivery row. */
export const CHANNEL_ANSWER_MAX = 500;

function markdown(message: RobotMessage): string {
  const to = message.recipient === undefined ? '' : `\n> 接收人：${message.recipient}`;
  const text = `### ${message.title}\n${message.body}${to}`;
  return text.length > MAX_MARKDOWN ? `${text.slice(0, MAX_MARKDOWN - 1)}…` : text;
}

/**
 * The request body a group robot expects: WeCom
 * `{"msgtype":"markdown","markdown":{"content":"..."}}`, DingTalk
 * `{"msgtype":"markdown","markdown":{"title":"...","text":"..."}}`.
 */
export function robotPayload(kind: ChannelKind, message: RobotMessage): object {
  switch (kind) {
    case 'wecom':
      return { msgtype: 'markdown', markdown: { content: markdown(message) } };
    case 'dingtalk':
      return { msgtype: 'markdown', markdown: { title: message.title, text: markdown(message) } };
  }
}

/**
 * DingTalk 加签: `sign` = urlencode(base64(HMAC-SHA256(key = secret, `timestamp\nsecret`))),
 * appended to the robot URL as `&timestamp=<ms>&sign=<sign>`.
 */
export function dingTalkSign(secret: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return encodeURIComponent(digest);
}

/** The URL a message is POSTed to: DingTalk with a secret gets its signature appended. */
export function signedUrl(
  kind: ChannelKind,
  url: string,
  secret: string | null,
  timestamp: number,
): string {
  if (kind !== 'dingtalk' || secret === null) return url;
  const joiner = url.includes('?') ? '&' : '?';
  return `${url}${joiner}timestamp=${timestamp}&sign=${dingTalkSign(secret, timestamp)}`;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Why a robot URL is refused, or null when it may be used: an absolute https URL (http only to
 * a loopback address, for a local relay or a test robot) whose host is one of `allowedHosts`
 * (CHANNEL_HOSTS: by default the WeCom and DingTalk robot hosts), without user info. The list
 * keeps an admin from making the worker (or a test-send) POST to any address inside the
 * network and read its answer.
 */
export function robotUrlProblem(url: string, allowedHosts: readonly string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  const host = parsed.hostname.toLowerCase();
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(host))) {
    return 'must be an https:// URL (http:// only to a loopback address)';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user or password';
  if (parsed.hash !== '') return 'must not carry a #fragment';
  if (!allowedHosts.map((h) => h.toLowerCase()).includes(host)) {
    return `host '${host.slice(0, 100)}' is not a robot host allowed by CHANNEL_HOSTS`;
  }
  return null;
}

/**
 * A robot URL as the api shows it: scheme, host and path; every query value (the robot's
 * `key` / `access_token`) replaced by `***`. The URL itself is a secret.
 */
export function maskRobotUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const query = [...parsed.searchParams.keys()].map((key) => `${key}=***`).join('&');
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query ? `?${query}` : ''}`;
  } catch {
    return '***';
  }
}

/** What a robot answered: ok, and its answer (status and body, bounded; never the URL). */
export interface RobotAnswer {
  readonly ok: boolean;
  readonly answer: string;
}

function bounded(text: string): string {
  return text.length > CHANNEL_ANSWER_MAX ? `${text.slice(0, CHANNEL_ANSWER_MAX - 1)}…` : text;
}

/**
 * POSTs a JSON body to a group robot and says what it answered. A non-2xx status, or a 2xx
 * body with a DingTalk / WeCom `errcode` other than 0, is a failure; so is no answer within the
 * timeout or a redirect (not followed). The answer never includes the URL (it holds the key).
 */
export async function postToRobot(
  url: string,
  payload: object,
  timeoutMs: number,
): Promise<RobotAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError') return { ok: false, answer: `no answer within ${timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return { ok: false, answer: bounded(`request failed: ${why.replaceAll(url, '<url>')}`) };
  }
  const text = bounded(await readBounded(response));
  if (!response.ok) return { ok: false, answer: bounded(`HTTP ${response.status}: ${text}`) };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: true, answer: `HTTP ${response.status}: ${text}` };
  }
  const { errcode } = (body ?? {}) as { errcode?: unknown };
  const ok = errcode === undefined || Number(errcode) === 0;
  return { ok, answer: bounded(`HTTP ${response.status}: ${text}`) };
}

/** The first few KiB of a body (a robot's answer is small; anything bigger is cut). */
async function readBounded(response: Response): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < 4096) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}
