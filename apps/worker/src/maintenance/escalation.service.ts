import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { OrgDirectory, lookupNames } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, type EscalationWindow, TasksRepository, writeNotifications } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Notifier, escalationMessage, escalationRecipients } from '../notify/index.js';

/** An overdue task is escalated again once its last escalation is this old. */
export const ESCALATION_REPEAT_MS = 24 * 3600_000;

/** Tasks escalated per sweep at most (the next sweep takes the rest). */
const BATCH = 500;

export const ESCALATION_ACTOR = 'system:escalation';

/**
 * Overdue escalation (督办) of the user tasks the ledger leaves alone (TasksRepository's TASK_SWEEP_OWNS:
 * tasks of instances without an org unit, and tasks from before the ledger): every open one past its
 * due date whose last escalation is unset or a day old gets `escalations + 1`,
 * `escalated_at = now`, a notification to the supervisors over its instance's org unit
 * (`user:<id>`; the supervisors' group when there is no unit or no supervisor) and a
 * `task.escalated` audit event — one transaction per task, behind a conditional UPDATE, so two
 * sweeps running at once escalate a task once.
 */
@Injectable()
export class EscalationService {
  private readonly tasks: TasksRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(Notifier) private readonly notifier: Notifier,
    @Inject(OrgDirectory) private readonly org: OrgDirectory,
  ) {
    this.tasks = new TasksRepository(dataSource);
  }

  /**
   * When a task is due for 督办 at `now`. A task counts as overdue only once it has been open
   * LEDGER_GRACE_DAYS (as its ledger item does, see effectiveDue in @app/ledger): one opened
   * after its nominal deadline — a theme day first started in mid-month — is not escalated at
   * once.
   */
  private window(now: number): EscalationWindow {
    return {
      now: new Date(now),
      repeatBefore: new Date(now - ESCALATION_REPEAT_MS),
      openedBefore: new Date(now - this.env.LEDGER_GRACE_DAYS * 24 * 3600_000),
    };
  }

  /** One round; returns how many tasks this round escalated. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let escalated = 0;
    for (const id of await this.tasks.dueForEscalation(this.window(now), BATCH)) {
      if (await this.escalate(id, now)) escalated += 1;
    }
    return escalated;
  }

  /** Escalates one task if it still qualifies at `now`; false when it no longer does. */
  async escalate(taskId: string, now: number): Promise<boolean> {
    const outboxIds = await this.dataSource.transaction(async (manager) => {
      const task = await this.tasks.markEscalated(manager, taskId, this.window(now));
      if (!task) return null;
      const written = await writeNotifications(
        manager,
        {
          cause: `escalation-${taskId}-${task.escalations}`,
          kind: 'escalation',
          recipients: escalationRecipients(
            task,
            await this.supervisorsOver(task.org_unit_id, manager),
          ),
          ...escalationMessage(
            task,
            task.escalations,
            this.env.TIME_ZONE,
            await lookupNames(manager, {
              people: [task.assignee, ...task.candidate_users],
              units: [task.org_unit_id],
            }),
          ),
          taskId,
          instanceId: task.instance_id,
        },
        now,
      );
      await appendAudit(manager, task.instance_id, [
        {
          type: 'task.escalated',
          actor: ESCALATION_ACTOR,
          instanceId: task.instance_id,
          elementId: task.element_id,
          data: { taskId, escalations: task.escalations },
          at: now,
        },
      ]);
      return written.outboxIds;
    });
    if (outboxIds === null) return false;
    await this.notifier.kick(outboxIds);
    return true;
  }

  /**
   * The user ids holding `supervisor` over the unit (on it or an ancestor); none without a unit.
   * Read on the escalation's own connection (`manager`): it never waits for a second one.
   */
  private async supervisorsOver(unitId: string | null, manager: EntityManager): Promise<string[]> {
    if (unitId === null || (await this.org.findUnit(unitId, manager)) === null) return [];
    return (await this.org.holders('supervisor', unitId, manager)).map((holder) => holder.userId);
  }
}
