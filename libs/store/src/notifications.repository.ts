import { APPROVING_SUFFIX, ChannelsRepository, type Principal, identities } from '@app/org';
import { outboxJob, writeOutbox } from '@app/queue';
import type { DataSource, EntityManager } from 'typeorm';

export type NotificationKind = 'reminder' | 'escalation' | 'notice';

export interface NotificationInput {
  /**
   * What caused the notification, e.g. `reminder-<taskId>-P1D`: one cause is notified once. It
   * is the dedupe key of the first recipient's row; the others get `<cause>/<recipient>`.
   */
  readonly cause: string;
  readonly kind: NotificationKind;
  readonly recipients: readonly string[];
  readonly title: string;
  readonly body: string;
  readonly taskId?: string | null;
  readonly instanceId?: string | null;
  /**
   * The org units whose channels (group robots) receive the notice. By default the units it
   * concerns (ChannelsRepository.unitsConcerned): the instance's unit, and for a 督办 the
   * supervising units of the users it is addressed to; none without an instance.
   */
  readonly channelUnits?: readonly string[];
  /** Only the channel of this name (of those units); default: every enabled one. */
  readonly channelName?: string;
}

export interface WrittenNotifications {
  /** false when this cause was already notified (a redelivery): nothing was written. */
  readonly created: boolean;
  readonly notificationIds: readonly string[];
  /** Channel deliveries (channel_deliveries ids). */
  readonly deliveryIds: readonly string[];
  /** Outbox rows of the `deliver-webhook` jobs, to dispatch after commit. */
  readonly outboxIds: readonly string[];
}

const NOTHING: WrittenNotifications = {
  created: false,
  notificationIds: [],
  deliveryIds: [],
  outboxIds: [],
};

/** The dedupe key of each recipient's row (see NotificationInput.cause). */
export function dedupeKeys(cause: string, recipients: readonly string[]): string[] {
  return recipients.map((recipient, i) => (i === 0 ? cause : `${cause}/${recipient}`));
}

/**
 * Writes one inbox notification per recipient, one channel delivery per (notification, enabled
 * channel of the units the notice concerns: see NotificationInput.channelUnits) and their
 * `deliver-webhook` outbox jobs, inside the caller's transaction. A channel of another unit
 * (another branch's group) never receives it. The cause's
 * row goes first with `ON CONFLICT DO NOTHING`: if it exists, this cause was notified already
 * and nothing is written, so a redelivered job has no second effect (a concurrent one waits on
 * the unique index and then writes nothing).
 */
export async function writeNotifications(
  manager: EntityManager,
  input: NotificationInput,
  now: number,
): Promise<WrittenNotifications> {
  const recipients = [...new Set(input.recipients)];
  if (recipients.length === 0) {
    throw new Error(`notification '${input.cause}' has no recipient`);
  }
  const keys = dedupeKeys(input.cause, recipients);
  const insert = async (from: number, to: number): Promise<string[]> => {
    const values: unknown[] = [];
    const rows = recipients.slice(from, to).map((recipient, i) => {
      values.push(
        recipient,
        input.kind,
        input.taskId ?? null,
        input.instanceId ?? null,
        input.title,
        input.body,
        keys[from + i],
        new Date(now),
      );
      const b = i * 8;
      return `(${Array.from({ length: 8 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
    });
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO notifications (recipient, kind, task_id, instance_id, title, body, dedupe_key, created_at)
       VALUES ${rows.join(', ')} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      values,
    );
    return inserted.map((row) => row.id);
  };
  const first = await insert(0, 1);
  if (first.length === 0) return NOTHING;
  const rest = recipients.length > 1 ? await insert(1, recipients.length) : [];
  const notificationIds = [...first, ...rest];
  const channels = new ChannelsRepository(manager.connection);
  const units =
    input.channelUnits ??
    (await channels.unitsConcerned(manager, {
      instanceId: input.instanceId ?? null,
      escalation: input.kind === 'escalation',
      recipients,
    }));
  const deliveryIds = await channels.addDeliveries(
    manager,
    notificationIds,
    units,
    input.channelName ?? null,
  );
  const outboxIds = await writeOutbox(
    manager,
    deliveryIds.map((deliveryId) =>
      outboxJob('deliver-webhook', `webhook-${deliveryId}`, { deliveryId }, now),
    ),
  );
  return { created: true, notificationIds, deliveryIds, outboxIds };
}

/** An inbox notification with its reader's own read mark. */
export interface NotificationRecord {
  readonly id: string;
  readonly recipient: string;
  readonly kind: string;
  readonly taskId: string | null;
  readonly instanceId: string | null;
  readonly title: string;
  readonly body: string;
  readonly createdAt: Date;
  /** When the reader read it; null while unread. */
  readonly readAt: Date | null;
  /** The ledger item of its task, if any. */
  readonly ledgerItemId: string | null;
}

/** What an inbox page asks for (see NotificationsRepository.inbox). */
export interface InboxPageRequest {
  /** Only notices addressed to this recipient (one of the reader's own). */
  readonly recipient?: string;
  readonly unreadOnly: boolean;
  readonly limit: number;
  readonly offset: number;
}

export interface InboxPage {
  readonly items: NotificationRecord[];
  /** The notices the page is taken from (unread ones only with `unreadOnly`). */
  readonly total: number;
  /** The reader's unread notices (of the recipient, when given). */
  readonly unread: number;
}

interface NotificationRow {
  id: string;
  recipient: string;
  kind: string;
  task_id: string | null;
  instance_id: string | null;
  title: string;
  body: string;
  created_at: Date;
  read_at: Date | null;
  ledger_item_id: string | null;
}

const COLUMNS = `n.id, n.recipient, n.kind, n.task_id, n.instance_id, n.title, n.body, n.created_at,
  r.read_at, (SELECT l.id FROM ledger_items l WHERE l.task_id = n.task_id) AS ledger_item_id`;

/**
 * The notices with the reader's own read mark (alias `r`; `$1` is the reader's user id): read
 * state is per person, so one member reading a `group:members` notice reads it for nobody else.
 */
const FROM = `notifications n
  LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $1::uuid`;

/**
 * All SQL for `notifications` and `notification_reads`: the worker's writes (writeNotifications,
 * in the caller's transaction) and the inbox's reads and read marks. Whose notice is whose is
 * decided here (`mine`), as canActOnTask reads a candidate group; the api's checks of which
 * recipient a caller may ask for stay the api's.
 */
export class NotificationsRepository {
  constructor(private readonly db: DataSource) {}

  /** A page of the reader's inbox (see `mine`), newest first, with its counts. */
  async inbox(reader: Principal, page: InboxPageRequest): Promise<InboxPage> {
    const params: unknown[] = [reader.userId];
    const where = [mine(reader, params)];
    if (page.recipient !== undefined) {
      params.push(page.recipient);
      where.push(`n.recipient = $${params.length}`);
    }
    const clause = where.join(' AND ');
    const unreadOnly = page.unreadOnly ? 'AND r.read_at IS NULL' : '';
    const rows = await this.db.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM ${FROM}
        WHERE ${clause} ${unreadOnly}
        ORDER BY n.created_at DESC, n.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.limit, page.offset],
    );
    const [counts] = await this.db.query<{ total: number; unread: number }[]>(
      `SELECT count(*) FILTER (WHERE TRUE ${unreadOnly})::int AS total,
              count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread
         FROM ${FROM} WHERE ${clause}`,
      params,
    );
    return {
      items: rows.map(toNotification),
      total: counts?.total ?? 0,
      unread: counts?.unread ?? 0,
    };
  }

  /** The notification when it is the reader's (see `mine`), with the reader's read mark. */
  async findMine(reader: Principal, id: string): Promise<NotificationRecord | null> {
    const params: unknown[] = [reader.userId, id];
    const condition = mine(reader, params);
    const [row] = await this.db.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE n.id = $2 AND ${condition}`,
      params,
    );
    return row ? toNotification(row) : null;
  }

  /** Whether a notification of this id exists at all (whoever it is for). */
  async exists(id: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(`SELECT 1 FROM notifications WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /**
   * Marks the notification read by `userId` at `at`, answering the time it is marked read: of
   * two marks at once the first stays (the conflict keeps, and returns, its time).
   */
  async markRead(id: string, userId: string, at: Date): Promise<Date | null> {
    const [mark] = await this.db.query<{ read_at: Date }[]>(
      `INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ($1, $2, $3)
       ON CONFLICT (notification_id, user_id) DO UPDATE SET read_at = notification_reads.read_at
       RETURNING read_at`,
      [id, userId, at],
    );
    return mark?.read_at ?? null;
  }
}

function toNotification(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    recipient: row.recipient,
    kind: row.kind,
    taskId: row.task_id,
    instanceId: row.instance_id,
    title: row.title,
    body: row.body,
    createdAt: row.created_at,
    readAt: row.read_at,
    ledgerItemId: row.ledger_item_id,
  };
}

/**
 * Notifications that are the reader's (alias `n`): addressed to its user or member id, or to
 * a group named after a role it holds (`group:secretary`; `group:members` for members) about
 * an instance of a unit that role covers, or to `group:<role>@approving` about an instance
 * whose approving unit (the nearest at or above its unit holding approval authority,
 * OrgDirectory.approvalPath) that role covers — as canActOnTask reads the candidate group.
 */
function mine(principal: Principal, params: unknown[]): string {
  params.push([...identities(principal), `user:${principal.userId}`]);
  const ids = `$${params.length}::text[]`;
  const groups = principal.grants.flatMap((grant) =>
    grant.role === 'member'
      ? [`group:member`, 'group:members'].map((group) => [group, grant.path] as const)
      : [[`group:${grant.role}`, grant.path] as const],
  );
  params.push(
    groups.map(([group]) => group),
    groups.map(([, path]) => path),
  );
  const names = `$${params.length - 1}::text[]`;
  const paths = `$${params.length}::text[]`;
  const approving = principal.grants
    .filter((grant) => grant.role !== 'member')
    .map((grant) => [`group:${grant.role}${APPROVING_SUFFIX}`, grant.path] as const);
  params.push(
    approving.map(([group]) => group),
    approving.map(([, path]) => path),
  );
  const approvingNames = `$${params.length - 1}::text[]`;
  const approvingPaths = `$${params.length}::text[]`;
  return `(n.recipient = ANY(${ids}) OR EXISTS (
    SELECT 1 FROM process_instances i JOIN org_units o ON o.id = i.org_unit_id,
           unnest(${names}, ${paths}) AS g(recipient, path)
     WHERE i.id = n.instance_id AND n.recipient = g.recipient AND starts_with(o.path, g.path))
    OR EXISTS (
    SELECT 1 FROM process_instances i JOIN org_units o ON o.id = i.org_unit_id,
           unnest(${approvingNames}, ${approvingPaths}) AS g(recipient, path)
     WHERE i.id = n.instance_id AND n.recipient = g.recipient AND starts_with(
       (SELECT a.path FROM org_units a
         WHERE starts_with(o.path, a.path) AND coalesce(a.approves_admissions, a.kind = 'committee')
         ORDER BY length(a.path) DESC LIMIT 1),
       g.path)))`;
}
