import { appendAudit } from '@app/audit';
import type { Env } from '@app/config';
import { type Escalation, LIST_LABELS, LedgerStore } from '@app/ledger';
import { type NameBook, OrgDirectory, type Role, UNKNOWN_UNIT, lookupNames } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, type EscalationWindow, TasksRepository, writeNotifications } from '@app/store';
import { subtractDuration } from '@app/time';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Notifier,
  SUPERVISOR_GROUP,
  escalationMessage,
  escalationRecipients,
  formatMinute,
  userRecipient,
} from '../notify/index.js';

/** A task escalated by the task path is escalated again once its last escalation is this old. */
export const ESCALATION_REPEAT_MS = 24 * 3600_000;

/** Tasks escalated per sweep at most (the next sweep takes the rest). */
const TASK_BATCH = 500;

/** The actor of a task's escalation (`task.escalated`). */
export const ESCALATION_ACTOR = 'system:escalation';

/** The actor of a ledger item's escalation (its `escalated` entry, `ledger.escalated`). */
export const LEDGER_ESCALATION_ACTOR = 'system:ledger-escalation';

/** The maintenance job (and its scheduler id) that runs `EscalationService.sweep`. */
export const ESCALATION_JOB = 'escalate-overdue';

/**
 * The job name of the ledger's own sweep before there was one: a scheduler of that id left in
 * Redis by an older worker runs the same sweep (which escalates nothing twice).
 */
export const LEDGER_ESCALATION_JOB = 'ledger-escalate';

/**
 * Overdue escalation (督办) of user tasks and ledger items: the one owner of it. A sweep takes
 * both in one round, and every overdue thing has exactly one path:
 *
 * - A ledger item — opened by hand, or a task's item whose instance has an org unit — climbs the
 *   org tree, one level per LEDGER_ESCALATION_EVERY (LedgerStore.escalate: `escalations + 1`,
 *   `escalated_to`, an `escalated` entry and a `ledger.escalated` audit event), with a notice to
 *   the supervisors and secretaries nearest to the unit it reached (cause
 *   `ledger-escalation-<item>-<n>`). Such a task is escalated through its item only.
 * - A user task the ledger does not take (its instance has no org unit, or it has no item: from
 *   before the ledger) is escalated in place, once per ESCALATION_REPEAT_MS
 *   (TasksRepository.markEscalated: `escalations + 1`, `escalated_at`), with a notice to the
 *   supervisors over its instance's unit (cause `escalation-<task>-<n>`) and a `task.escalated`
 *   audit event.
 *
 * Which path takes a task is decided by the same rule on both sides (TasksRepository's task
 * condition is the negation of LedgerStore's LEDGER_OWNS_ESCALATION for a task's item). Each
 * escalation is one transaction behind a conditional UPDATE and a notification cause per
 * (thing, count): a sweep delivered twice, run twice a day, or on two workers at once escalates
 * once per period.
 */
@Injectable()
export class EscalationService {
  private readonly tasks: TasksRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(OrgDirectory) private readonly org: OrgDirectory,
    @Inject(Notifier) private readonly notifier: Notifier,
  ) {
    this.tasks = new TasksRepository(dataSource);
  }

  /** One round over overdue ledger items and tasks; returns how many this round escalated. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const notSince = this.notSince(now);
    let escalated = 0;
    for (const id of await this.ledger.dueForEscalation(now, notSince)) {
      if (await this.escalateItem(id, now, notSince)) escalated += 1;
    }
    for (const id of await this.tasks.dueForEscalation(this.window(now), TASK_BATCH)) {
      if (await this.escalateTask(id, now)) escalated += 1;
    }
    return escalated;
  }

  // --- tasks the ledger does not take -------------------------------------------------------

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

  /** Escalates one task if it still qualifies at `now`; false when it no longer does. */
  async escalateTask(taskId: string, now: number): Promise<boolean> {
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

  // --- ledger items (and the tasks they carry) ----------------------------------------------

  /** Escalates one ledger item if it still qualifies; false when it no longer does. */
  async escalateItem(itemId: string, now: number, notSince = this.notSince(now)): Promise<boolean> {
    const outboxIds = await this.dataSource.transaction(async (manager) => {
      const escalation = await this.ledger.escalate(
        manager,
        itemId,
        now,
        notSince,
        LEDGER_ESCALATION_ACTOR,
      );
      if (!escalation) return null;
      const written = await writeNotifications(
        manager,
        {
          cause: `ledger-escalation-${itemId}-${escalation.escalations}`,
          kind: 'escalation',
          recipients: await this.itemRecipients(escalation.escalatedTo, manager),
          ...this.itemMessage(
            escalation,
            await lookupNames(manager, {
              people: escalation.item.responsible?.split(',') ?? [],
              units: [escalation.item.orgUnitId, escalation.escalatedTo],
            }),
          ),
          taskId: escalation.item.taskId,
          instanceId: escalation.item.instanceId,
          ...this.channelUnits(escalation),
        },
        now,
      );
      return written.outboxIds;
    });
    if (outboxIds === null) return false;
    await this.notifier.kick(outboxIds);
    return true;
  }

  /**
   * The supervisors and secretaries nearest to the unit (on it, else on its closest ancestor
   * that has one), as `user:<id>`; the supervisors' group when there is nobody (or no unit).
   * Read on the escalation's own connection (`manager`): it never waits for a second one.
   */
  private async itemRecipients(unitId: string | null, manager: EntityManager): Promise<string[]> {
    if (unitId === null || (await this.org.findUnit(unitId, manager)) === null) {
      return [SUPERVISOR_GROUP];
    }
    const nearest = async (role: Role) => {
      const holders = await this.org.holders(role, unitId, manager);
      const level = holders[0]?.orgUnitId;
      return holders
        .filter((holder) => holder.orgUnitId === level)
        .map((h) => userRecipient(h.userId));
    };
    const recipients = [...(await nearest('supervisor')), ...(await nearest('secretary'))];
    return recipients.length > 0 ? [...new Set(recipients)] : [SUPERVISOR_GROUP];
  }

  /** The notice's text, with people and units by name (`names`), never an id or `group:`. */
  private itemMessage(
    { item, escalations, escalatedTo }: Escalation,
    names: NameBook,
  ): { title: string; body: string } {
    const due =
      item.dueAt === null
        ? ''
        : `（截止 ${formatMinute(item.dueAt.getTime(), this.env.TIME_ZONE)}）`;
    const unit = item.unitName ?? names.unitName(item.orgUnitId) ?? '未指定单位';
    const to = escalatedTo === null ? null : (names.unitName(escalatedTo) ?? UNKNOWN_UNIT);
    const responsible =
      item.responsible === null
        ? '未指定'
        : item.source === 'task'
          ? item.responsible
              .split(',')
              .map((who) => names.label(who.trim(), item.orgUnitId))
              .join('、')
          : item.responsible;
    return {
      title: `督办：${item.title}`,
      body:
        `${LIST_LABELS[item.list]}事项「${item.title}」已逾期${due}，第 ${escalations} 次督办` +
        `${to === null ? '' : `，已提级至 ${to}`}。责任单位：${unit}；责任人：${responsible}。`,
    };
  }

  /**
   * A hand-opened item (no instance) concerns its own unit and the unit it is escalated to:
   * their channels (group robots) receive the 督办. An instance's item is routed as any
   * notice of the instance (ChannelsRepository.unitsConcerned).
   */
  private channelUnits({ item, escalatedTo }: Escalation): { channelUnits?: string[] } {
    if (item.instanceId !== null) return {};
    const units = [item.orgUnitId, escalatedTo].filter((unit): unit is string => unit !== null);
    return { channelUnits: [...new Set(units)] };
  }

  private notSince(now: number): number {
    return subtractDuration(now, this.env.LEDGER_ESCALATION_EVERY, this.env.TIME_ZONE);
  }
}
