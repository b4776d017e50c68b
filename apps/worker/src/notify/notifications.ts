import { ChannelsRepository } from '@app/org';
import { outboxJob, writeOutbox } from '@app/queue';
import type { EntityManager } from 'typeorm';

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
