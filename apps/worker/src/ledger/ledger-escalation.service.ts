import type { Env } from '@app/config';
import { type Escalation, LIST_LABELS, LedgerStore } from '@app/ledger';
import { type NameBook, OrgDirectory, type Role, UNKNOWN_UNIT, lookupNames } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, writeNotifications } from '@app/store';
import { subtractDuration } from '@app/time';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Notifier, SUPERVISOR_GROUP, formatMinute, userRecipient } from '../notify/index.js';

export const LEDGER_ESCALATION_ACTOR = 'system:ledger-escalation';

/** The maintenance job (and its scheduler id) that runs `LedgerEscalation.sweep`. */
export const LEDGER_ESCALATION_JOB = 'ledger-escalate';

/**
 * Ledger escalation (督办): every open / in-progress ledger item past its due time whose last
 * escalation is unset or at least LEDGER_ESCALATION_EVERY old goes ONE level further up the
 * org tree (assessing unit first, then each parent, repeating at the root): `escalations + 1`,
 * `escalated_at`, `escalated_to`, an `escalated` entry and a `ledger.escalated` audit event,
 * and a notification (inbox + webhooks) to the supervisors and secretaries nearest to that
 * unit — one transaction per item behind a conditional UPDATE, and a notification cause per
 * (item, count), so a sweep delivered twice, or run on two workers at once, escalates once.
 */
@Injectable()
export class LedgerEscalation {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    @Inject(OrgDirectory) private readonly org: OrgDirectory,
    @Inject(Notifier) private readonly notifier: Notifier,
  ) {}

  /** One round; returns how many items this round escalated. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    const notSince = this.notSince(now);
    let escalated = 0;
    for (const id of await this.ledger.dueForEscalation(now, notSince)) {
      if (await this.escalate(id, now, notSince)) escalated += 1;
    }
    return escalated;
  }

  /** Escalates one item if it still qualifies; false when it no longer does. */
  async escalate(itemId: string, now: number, notSince = this.notSince(now)): Promise<boolean> {
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
          recipients: await this.recipients(escalation.escalatedTo, manager),
          ...this.message(
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
  async recipients(unitId: string | null, manager: EntityManager): Promise<string[]> {
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
  private message(
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
