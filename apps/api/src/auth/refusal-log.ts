import type { AuditEventInput } from '@app/audit';
import { withoutBadCharacters } from '../platform/input-guard.js';

/** What a refusal is recorded from: a Fastify request, or a Caller (method and url only). */
export interface RefusalRequest {
  readonly method?: string;
  readonly url?: string;
  /** The client address (Fastify's `request.ip`, which follows TRUST_PROXY). */
  readonly ip?: string;
  readonly headers?: Record<string, string | string[] | undefined>;
  /** Fastify's matched route, e.g. `/api/tasks/:id`. */
  readonly routeOptions?: { readonly url?: string };
}

/** Longest path, query, user agent and address stored; longer ones are cut (`…`). */
export const REFUSAL_FIELD_MAX = 256;
/** Longest reason stored. */
export const REFUSAL_REASON_MAX = 512;
/** Sources one process aggregates at most between flushes; more share one `*` source. */
const MAX_SOURCES = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Source {
  /** The event written for the first refusal, the pattern of the summaries. */
  readonly data: Record<string, unknown>;
  readonly actor: string;
  /** Refusals since the last event written for this source. */
  count: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Refusal records, bounded and aggregated. A refusal from a new source (address, actor,
 * status, method and route) is written at once as one `access.refused` event; repeats from
 * that source are only counted here, and `flush` (every REFUSAL_FLUSH_SECONDS, and at
 * shutdown) writes one event per source with `count`, `firstAt` and `lastAt`. The audit
 * trail is append-only, so a summary is a new event, never an update. A flood therefore
 * costs a few events per source and interval, not one per request.
 */
export class RefusalLog {
  private readonly sources = new Map<string, Source>();

  constructor(
    private readonly write: (events: AuditEventInput[]) => Promise<void>,
    private readonly now: () => number,
    /** The audit event type written (`access.refused`, or `auth.login_failed` for log-ins). */
    private readonly type = 'access.refused',
  ) {}

  async record(
    actor: string,
    status: number,
    request: RefusalRequest,
    reason: string,
  ): Promise<void> {
    const at = this.now();
    const data = refusalData(status, request, reason);
    let key = [data.address, actor, status, data.method, data.route].join('\u0001');
    if (!this.sources.has(key) && this.sources.size >= MAX_SOURCES) key = '*';
    const known = this.sources.get(key);
    if (known) {
      known.count += 1;
      known.lastAt = at;
      return;
    }
    const source: Source = {
      data: key === '*' ? { ...data, address: '*', route: '*', path: '*' } : data,
      actor: key === '*' ? '*' : actor,
      count: 0,
      firstAt: at,
      lastAt: at,
    };
    this.sources.set(key, source);
    if (key === '*') {
      source.count = 1;
      return;
    }
    await this.write([{ type: this.type, actor, at, data }]);
  }

  /** Writes one summary per source refused again since its last event; forgets quiet ones. */
  async flush(): Promise<void> {
    const events: AuditEventInput[] = [];
    for (const [key, source] of this.sources) {
      if (source.count === 0) {
        this.sources.delete(key);
        continue;
      }
      events.push({
        type: this.type,
        actor: source.actor,
        at: source.lastAt,
        data: {
          ...source.data,
          count: source.count,
          firstAt: new Date(source.firstAt).toISOString(),
          lastAt: new Date(source.lastAt).toISOString(),
        },
      });
      source.count = 0;
      source.firstAt = source.lastAt;
    }
    if (events.length > 0) await this.write(events);
  }
}

/** The stored fields of a refusal, each bounded (and free of what PostgreSQL refuses). */
export function refusalData(
  status: number,
  request: RefusalRequest,
  reason: string,
): Record<string, unknown> {
  const url = request.url ?? '';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? null : url.slice(mark + 1);
  const agent = request.headers?.['user-agent'];
  return {
    status,
    method: bounded(request.method ?? '?', 16),
    path: bounded(path, REFUSAL_FIELD_MAX),
    ...(query === null ? {} : { query: bounded(query, REFUSAL_FIELD_MAX) }),
    route: bounded(request.routeOptions?.url ?? routeOf(path), REFUSAL_FIELD_MAX),
    address: bounded(request.ip ?? 'unknown', 64),
    userAgent:
      agent === undefined
        ? null
        : bounded(Array.isArray(agent) ? agent.join(', ') : agent, REFUSAL_FIELD_MAX),
    reason: bounded(reason, REFUSAL_REASON_MAX),
  };
}

/** A path's pattern when the router did not say: ids (UUIDs, numbers) as `:id`. */
function routeOf(path: string): string {
  return path
    .split('/')
    .map((segment) => (UUID.test(segment) || /^\d+$/.test(segment) ? ':id' : segment))
    .join('/');
}

/** At most `max` characters (then `…`), NUL and unpaired surrogates replaced by U+FFFD. */
export function bounded(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return withoutBadCharacters(cut);
}
