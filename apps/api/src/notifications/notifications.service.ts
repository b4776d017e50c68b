import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
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
}

const COLUMNS = 'id, recipient, kind, task_id, instance_id, title, body, created_at, read_at';

/** The in-app inbox (rows the worker's notification jobs write). */
@Injectable()
export class NotificationsService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(query: ListNotificationsQueryDto): Promise<NotificationListDto> {
    const unreadOnly = query.unread === true ? 'AND read_at IS NULL' : '';
    const rows = await this.dataSource.query<(NotificationRow & { total: number })[]>(
      `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM notifications
        WHERE recipient = $1 ${unreadOnly}
        ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [query.recipient, query.pageSize, query.offset],
    );
    const [counts] = await this.dataSource.query<{ total: number; unread: number }[]>(
      `SELECT count(*) FILTER (WHERE TRUE ${unreadOnly})::int AS total,
              count(*) FILTER (WHERE read_at IS NULL)::int AS unread
         FROM notifications WHERE recipient = $1`,
      [query.recipient],
    );
    return {
      items: rows.map(toNotification),
      total: counts?.total ?? 0,
      unread: counts?.unread ?? 0,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /** Marks a notification read; reading it again keeps the first time. */
  async markRead(id: string): Promise<NotificationDto> {
    const [rows] = await this.dataSource.query<[NotificationRow[], number]>(
      `UPDATE notifications SET read_at = COALESCE(read_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, new Date(this.clock.now())],
    );
    const [row] = rows;
    if (!row) throw new HttpProblem(HttpStatus.NOT_FOUND, `no notification '${id}'`);
    return toNotification(row);
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
  };
}
