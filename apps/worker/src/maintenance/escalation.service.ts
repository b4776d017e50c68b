import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { OrgDirectory, lookupNames } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Notifier,
  escalationMessage,
  escalationRecipients,
  writeNotifications,
} from '../notify/index.js';

/** An overdue task is escalated again once its last escalation is this old. */
export const ESCALATION_REPEAT_MS = 24 * 3600_000;

/** Tasks escalated per sweep at most (the next sweep takes the rest). */
const BATCH = 500;

export const ESCALATION_ACTOR = 'system:escalation';

/**
 * The tasks this sweep escalates: those whose ledger item the ledger's 督办 does not take
 * (LEDGER_OWNS_ESCALATION in @app/ledger: a task's item with an org unit climbs the org tree
 * there, with its own notices). So an overdue task is escalated by one sweep, never both.
 */
const TASK_SWEEP_OWNS = `NOT EXISTS (SELECT 1 FROM ledger_items l
              WHERE l.task_id = tasks.id AND l.org_unit_id IS NOT NULL)`;

interface EscalatedRow {
  instance_id: string;
  org_unit_id: string | null;
  element_id: string;
  name: string | null;
  assignee: string | null;
  candidate_users: string[];
  candidate_groups: string[];
  due_at: Date;
  escalations: number;
}

/**
 * Overdue escalation (督办) of the user tasks the ledger leaves alone (TASK_SWEEP_OWNS: tasks
 * of instances without an org unit, and tasks from before the ledger): every open one past its
 * due date whose last escalation is unset or a day old gets `escalations + 1`,
 * `escalated_at = now`, a notification to the supervisors over its instance's org unit
 * (`user:<id>`; the supervisors' group when there is no unit or no supervisor) and a
 * `task.escalated` audit event — one transaction per task, behind a conditional UPDATE, so two
 * sweeps running at once escalate a task once.
 */
@Injectable()
export class EscalationService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(Notifier) private readonly notifier: Notifier,
    @Inject(OrgDirectory) private readonly org: OrgDirectory,
  ) {}

  /**
   * A task counts as overdue only once it has been open LEDGER_GRACE_DAYS (as its ledger item
   * does, see effectiveDue in @app/ledger): one opened after its nominal deadline — a theme day
   * first started in mid-month — is not escalated at once. Tasks opened before this instant
   * have had the grace.
   */
  private openedBefore(now: number): Date {
    return new Date(now - this.env.LEDGER_GRACE_DAYS * 24 * 3600_000);
  }

  /** One round; returns how many tasks this round escalated. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const due = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks
        WHERE state = 'open' AND kind = 'user' AND due_at < $1
          AND (escalated_at IS NULL OR escalated_at <= $2)
          AND created_at < $3
          AND ${TASK_SWEEP_OWNS}
        ORDER BY due_at LIMIT ${BATCH}`,
      [new Date(now), new Date(now - ESCALATION_REPEAT_MS), this.openedBefore(now)],
    );
    let escalated = 0;
    for (const { id } of due) if (await this.escalate(id, now)) escalated += 1;
    return escalated;
  }

  /** Escalates one task if it still qualifies at `now`; false when it no longer does. */
  async escalate(taskId: string, now: number): Promise<boolean> {
    const outboxIds = await this.dataSource.transaction(async (manager) => {
      const task = await this.markEscalated(manager, taskId, now);
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

  private async markEscalated(
    manager: EntityManager,
    taskId: string,
    now: number,
  ): Promise<EscalatedRow | undefined> {
    // The condition is re-checked under the row lock: a concurrent sweep that got here first
    // set escalated_at = now, so this UPDATE matches nothing.
    const [rows] = await manager.query<[EscalatedRow[], number]>(
      `UPDATE tasks SET escalations = escalations + 1, escalated_at = $2
        WHERE id = $1 AND state = 'open' AND kind = 'user' AND due_at < $2
          AND (escalated_at IS NULL OR escalated_at <= $3)
          AND created_at < $4
          AND ${TASK_SWEEP_OWNS}
        RETURNING instance_id, element_id, name, assignee, candidate_users, candidate_groups, due_at, escalations,
          (SELECT p.org_unit_id FROM process_instances p WHERE p.id = tasks.instance_id) AS org_unit_id`,
      [taskId, new Date(now), new Date(now - ESCALATION_REPEAT_MS), this.openedBefore(now)],
    );
    return rows[0];
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
