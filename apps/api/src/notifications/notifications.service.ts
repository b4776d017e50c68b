import { APPROVING_SUFFIX, ChannelsRepository, identities } from '@app/org';
import { CLOCK, DATA_SOURCE } from '@app/runtime';
import { type Clock, type NotificationRecord, NotificationsRepository } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationListDto,
} from './dto/notification.dto.js';

/** The in-app inbox (rows the worker's notification jobs write; read marks per person). */
@Injectable()
export class NotificationsService {
  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: AccessService,
  ) {
    this.channels = new ChannelsRepository(dataSource);
    this.notifications = new NotificationsRepository(dataSource);
  }

  private readonly channels: ChannelsRepository;
  private readonly notifications: NotificationsRepository;

  /** The caller's inbox (NotificationsRepository.inbox), optionally one recipient of it. */
  async list(query: ListNotificationsQueryDto, caller: Caller): Promise<NotificationListDto> {
    if (query.recipient !== undefined && !isOwnRecipient(caller, query.recipient)) {
      await this.access.forbid(
        caller.principal,
        caller,
        `the inbox of '${query.recipient}' is not yours`,
        '这不是您的通知收件箱',
      );
    }
    const page = await this.notifications.inbox(caller.principal, {
      recipient: query.recipient,
      unreadOnly: query.unread === true,
      limit: query.pageSize,
      offset: query.offset,
    });
    const deliveries = await this.channels.deliveriesOf(page.items.map((item) => item.id));
    return {
      items: page.items.map((item) => ({
        ...toNotification(item),
        deliveries: deliveries.filter((delivery) => delivery.notificationId === item.id),
      })),
      total: page.total,
      unread: page.unread,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  /**
   * Marks one of the caller's notifications read for the caller alone; reading it again keeps
   * the first time. Someone else's notification is answered as a missing one (404, audited).
   */
  async markRead(id: string, caller: Caller): Promise<NotificationDto> {
    const notification = await this.notifications.findMine(caller.principal, id);
    if (!notification) {
      const absent = new HttpProblem(HttpStatus.NOT_FOUND, '未找到该通知');
      if (!(await this.notifications.exists(id))) throw absent;
      return this.access.conceal(
        caller.principal,
        caller,
        `notification '${id}' is not yours`,
        absent,
      );
    }
    if (notification.readAt !== null) return toNotification(notification);
    const readAt = await this.notifications.markRead(
      id,
      caller.principal.userId,
      new Date(this.clock.now()),
    );
    return toNotification({ ...notification, readAt });
  }
}

function toNotification(notification: NotificationRecord): NotificationDto {
  return {
    id: notification.id,
    recipient: notification.recipient,
    kind: notification.kind,
    taskId: notification.taskId,
    instanceId: notification.instanceId,
    title: notification.title,
    body: notification.body,
    createdAt: notification.createdAt,
    readAt: notification.readAt,
    ledgerItemId: notification.ledgerItemId,
  };
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
