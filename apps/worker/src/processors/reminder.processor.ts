import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, TasksRepository, writeNotifications } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { jobInput } from '../jobs/job-input.js';
import { Notifier, reminderMessage, reminderRecipients } from '../notify/index.js';

export const REMINDER_ACTOR = 'system:reminder';

/** The cause (and dedupe key) of one default reminder. */
export function reminderCause(taskId: string, offset: string): string {
  return `reminder-${taskId}-${offset}`;
}

/**
 * `reminders` / `task-reminder`: if the task is still open, writes the reminder notification
 * (deduped by `reminder-<taskId>-<offset>`), its webhook deliveries and a `task.reminded` audit
 * event, in one transaction; a redelivery finds the notification and writes nothing.
 */
@Injectable()
export class ReminderProcessor {
  private readonly tasks: TasksRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(Notifier) private readonly notifier: Notifier,
  ) {
    this.tasks = new TasksRepository(dataSource);
  }

  async handle(data: unknown): Promise<'reminded' | 'skipped'> {
    const { taskId, offset } = jobInput.taskReminder(data);
    const now = this.clock.now();
    const outboxIds = await this.dataSource.transaction(async (manager) => {
      const task = await this.tasks.lockForNotice(manager, taskId);
      if (!task) throw new UnrecoverableError(`task-reminder: no task '${taskId}'`);
      if (task.state !== 'open') return null;
      const recipients = reminderRecipients(task);
      const written = await writeNotifications(
        manager,
        {
          cause: reminderCause(taskId, offset),
          kind: 'reminder',
          recipients,
          ...reminderMessage(task, now, this.env.TIME_ZONE),
          taskId,
          instanceId: task.instance_id,
        },
        now,
      );
      if (!written.created) return null;
      await appendAudit(manager, task.instance_id, [
        {
          type: 'task.reminded',
          actor: REMINDER_ACTOR,
          instanceId: task.instance_id,
          elementId: task.element_id,
          data: { taskId, offset, recipients, notificationIds: [...written.notificationIds] },
          at: now,
        },
      ]);
      return written.outboxIds;
    });
    if (outboxIds === null) return 'skipped';
    await this.notifier.kick(outboxIds);
    return 'reminded';
  }
}
