import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APPROVING_SUFFIX, ChannelsRepository, identities } from '@app/org';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationListDto,
} from './dto/notification.dto.js';

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
 * The notices with the caller's own read mark (alias `r`; `$1` is the caller's user id): read
 * state is per person, so one member reading a `group:members` notice reads it for nobody else.
 */
const FROM = `notifications n
  LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $1::uuid`;

/** The in-app inbox (rows the worker's notification jobs write; read marks per person). */
@Injectable()
export class NotificationsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: AccessService,
  ) {
    this.channels = new ChannelsRepository(dataSource);
  }

  private readonly channels: ChannelsRepository;

  /** The caller's inbox (see `mine`), optionally one recipient of it. */
  async list(query: ListNotificationsQueryDto, caller: Caller): Promise<NotificationListDto> {
    const params: unknown[] = [caller.principal.userId];
    const where = [mine(caller, params)];
    if (query.recipient !== undefined) {
      if (!isOwnRecipient(caller, query.recipient)) {
        await this.access.forbid(
          caller.principal,
          caller,
          `the inbox of '${query.recipient}' is not yours`,
          '这不是您的通知收件箱',
        );
      }
      params.push(query.recipient);
      where.push(`n.recipient = $${params.length}`);
    }
    const clause = where.join(' AND ');
    const unreadOnly = query.unread === true ? 'AND r.read_at IS NULL' : '';
    const rows = await this.dataSource.query<(NotificationRow & { total: number })[]>(
      `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM ${FROM}
        WHERE ${clause} ${unreadOnly}
        ORDER BY n.created_at DESC, n.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.pageSize, query.offset],
    );
    const [counts] = await this.dataSource.query<{ total: number; unread: number }[]>(
      `SELECT count(*) FILTER (WHERE TRUE ${unreadOnly})::int AS total,
              count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread
         FROM ${FROM} WHERE ${clause}`,
      params,
    );
    const deliveries = await this.channels.deliveriesOf(rows.map((row) => row.id));
    return {
      items: rows.map((row) => ({
        ...toNotification(row),
        deliveries: deliveries.filter((delivery) => delivery.notificationId === row.id),
      })),
      total: counts?.total ?? 0,
      unread: counts?.unread ?? 0,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /**
   * Marks one of the caller's notifications read for the caller alone; reading it again keeps
   * the first time. Someone else's notification is answered as a missing one (404, audited).
   */
  async markRead(id: string, caller: Caller): Promise<NotificationDto> {
    const params: unknown[] = [caller.principal.userId, id];
    const condition = mine(caller, params);
    const [row] = await this.dataSource.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE n.id = $2 AND ${condition}`,
      params,
    );
    if (!row) {
      const absent = new HttpProblem(HttpStatus.NOT_FOUND, '未找到该通知');
      const exists = await this.dataSource.query<unknown[]>(
        `SELECT 1 FROM notifications WHERE id = $1`,
        [id],
      );
      if (exists.length === 0) throw absent;
      return this.access.conceal(
        caller.principal,
        caller,
        `notification '${id}' is not yours`,
        absent,
      );
    }
    if (row.read_at !== null) return toNotification(row);
    // Of two marks at once the first stays: the conflict keeps (and returns) its time
    const [mark] = await this.dataSource.query<{ read_at: Date }[]>(
      `INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES ($1, $2, $3)
       ON CONFLICT (notification_id, user_id) DO UPDATE SET read_at = notification_reads.read_at
       RETURNING read_at`,
      [id, caller.principal.userId, new Date(this.clock.now())],
    );
    return toNotification({ ...row, read_at: mark?.read_at ?? null });
  }
}

function toNotification(row: NotificationRow): NotificationDto {
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
 * Notifications that are the caller's (alias `n`): addressed to its user or member id, or to
 * a group named after a role it holds (`group:secretary`; `group:members` for members) about
 * an instance of a unit that role covers, or to `group:<role>@approving` about an instance
 * whose approving unit (the nearest at or above its unit holding approval authority,
 * OrgDirectory.approvalPath) that role covers — as canActOnTask reads the candidate group.
 */
function mine(caller: Caller, params: unknown[]): string {
  const { principal } = caller;
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

function isOwnRecipient(caller: Caller, recipient: string): boolean {
  const { principal } = caller;
  if ([...identities(principal), `user:${principal.userId}`].includes(recipient)) return true;
  return principal.grants.some(
    (grant) =>
      recipient === `group:${grant.role}` ||
      (grant.role !== 'member' && recipient === `group:${grant.role}${APPROVING_SUFFIX}`) ||
      (grant.role === 'member' && recipient === 'group:members'),
  );
}
