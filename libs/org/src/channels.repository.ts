import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import type { DataSource, EntityManager } from 'typeorm';
import { type ChannelKind, maskRobotUrl } from './channel-robot.js';

/** A notification channel of an org unit as anyone may see it: no URL key, no secret. */
export interface Channel {
  readonly id: string;
  readonly orgUnitId: string;
  readonly kind: ChannelKind;
  readonly name: string;
  /** Scheme, host and path; every query value (the robot's key) is `***`. */
  readonly url: string;
  /** DingTalk 加签 is set (the secret itself is never read back). */
  readonly signed: boolean;
  readonly enabled: boolean;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly version: number;
}

/** What a sender needs: the real URL and secret. Never leaves the process. */
export interface ChannelTarget {
  readonly id: string;
  readonly orgUnitId: string;
  readonly kind: ChannelKind;
  readonly name: string;
  readonly url: string;
  readonly secret: string | null;
  readonly enabled: boolean;
  readonly deleted: boolean;
}

export interface NewChannel {
  readonly orgUnitId: string;
  readonly kind: ChannelKind;
  readonly name: string;
  readonly url: string;
  readonly secret: string | null;
  readonly enabled: boolean;
}

/** A change to a channel; `secret: null` removes the signing secret, absent keeps it. */
export interface ChannelChange {
  readonly name?: string;
  readonly url?: string;
  readonly secret?: string | null;
  readonly enabled?: boolean;
}

export type DeliveryState = 'pending' | 'retrying' | 'sent' | 'failed';

/** One notice to one channel. */
export interface ChannelDelivery {
  readonly id: string;
  readonly notificationId: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly orgUnitId: string;
  readonly kind: ChannelKind;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** The channel's last answer (status and body, bounded), or why it was not sent. */
  readonly answer: string | null;
  readonly updatedAt: Date | null;
  readonly sentAt: Date | null;
}

/** A delivery with what the worker sends. */
export interface DeliveryToSend {
  readonly state: DeliveryState;
  readonly target: ChannelTarget;
  readonly title: string;
  readonly body: string;
  readonly recipient: string;
  /** The org unit the notice is about: its instance's unit, else the channel's (a roles' words). */
  readonly subjectUnitId: string;
}

export type ChannelRefusal = 'not-found' | 'stale' | 'name-taken' | 'too-many';

/** A write the repository refused; the api maps the reason to 404 / 409 / 422. */
export class ChannelWriteRefused extends Error {
  constructor(
    readonly reason: ChannelRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelWriteRefused';
  }
}

interface ChannelRow {
  id: string;
  org_unit_id: string;
  kind: ChannelKind;
  name: string;
  url: string;
  secret: string | null;
  enabled: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  version: number;
}

interface DeliveryRow {
  id: string;
  notification_id: string;
  channel_id: string;
  channel_name: string;
  org_unit_id: string;
  kind: ChannelKind;
  state: DeliveryState;
  attempts: number;
  answer: string | null;
  updated_at: Date | null;
  sent_at: Date | null;
}

const CHANNEL_COLUMNS = `id, org_unit_id, kind, name, url, secret, enabled, created_by, created_at,
  updated_at, deleted_at, version`;

/** The audit events of channel changes (system stream). */
export const CHANNEL_EVENTS = {
  created: 'channel.created',
  updated: 'channel.updated',
  deleted: 'channel.deleted',
  tested: 'channel.tested',
} as const;

/**
 * All SQL of `org_unit_channels` and `channel_deliveries`: the group robots of each org unit,
 * which of them a notice goes to, and how each delivery went. Every change is audited (system
 * stream, without URL or secret) in the same transaction, and names the `version` it read.
 */
export class ChannelsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The channels of one unit (not deleted), by name. */
  async list(orgUnitId: string): Promise<Channel[]> {
    const rows = await this.dataSource.query<ChannelRow[]>(
      `SELECT ${CHANNEL_COLUMNS} FROM org_unit_channels
        WHERE org_unit_id = $1 AND deleted_at IS NULL ORDER BY name, id`,
      [orgUnitId],
    );
    return rows.map(toChannel);
  }

  /** One channel of the unit, or null (deleted, another unit's, or none). */
  async find(orgUnitId: string, id: string): Promise<Channel | null> {
    const row = await this.row(this.dataSource.manager, orgUnitId, id);
    return row ? toChannel(row) : null;
  }

  /** The URL and secret of a channel of the unit, to send to it; null as for `find`. */
  async target(orgUnitId: string, id: string): Promise<ChannelTarget | null> {
    const row = await this.row(this.dataSource.manager, orgUnitId, id);
    return row ? toTarget(row) : null;
  }

  /** Registers a channel; at most `perUnit` per unit, names unique within the unit. */
  async create(input: NewChannel, actor: string, now: number, perUnit: number): Promise<Channel> {
    return this.dataSource.transaction(async (manager) => {
      // Serialises creations on the unit, so two at once cannot pass the count together
      await manager.query(`SELECT 1 FROM org_units WHERE id = $1 FOR UPDATE`, [input.orgUnitId]);
      const [{ count }] = await manager.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM org_unit_channels
          WHERE org_unit_id = $1 AND deleted_at IS NULL`,
        [input.orgUnitId],
      );
      if (count >= perUnit) {
        throw new ChannelWriteRefused(
          'too-many',
          `org unit '${input.orgUnitId}' has ${count} channels, the most CHANNELS_PER_UNIT allows`,
        );
      }
      await this.assertNameFree(manager, input.orgUnitId, input.name, null);
      const [row] = await manager.query<ChannelRow[]>(
        `INSERT INTO org_unit_channels (org_unit_id, kind, name, url, secret, enabled, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${CHANNEL_COLUMNS}`,
        [
          input.orgUnitId,
          input.kind,
          input.name,
          input.url,
          input.secret,
          input.enabled,
          actor,
          new Date(now),
        ],
      );
      const channel = toChannel(row);
      await audit(manager, CHANNEL_EVENTS.created, actor, now, channel);
      return channel;
    });
  }

  /** Changes a channel if it is still at `version`. */
  async update(
    orgUnitId: string,
    id: string,
    version: number,
    change: ChannelChange,
    actor: string,
    now: number,
  ): Promise<Channel> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.current(manager, orgUnitId, id, version);
      if (change.name !== undefined && change.name !== current.name) {
        // Serialised with creations and other renames on the unit (as create is), so two
        // channels renamed to one name at once get 409 CHANNEL_NAME_TAKEN, not the index's error
        await manager.query(`SELECT 1 FROM org_units WHERE id = $1 FOR UPDATE`, [orgUnitId]);
        await this.assertNameFree(manager, orgUnitId, change.name, id);
      }
      const [[row]] = await manager.query<[ChannelRow[], number]>(
        `UPDATE org_unit_channels
            SET name = $3, url = $4, secret = $5, enabled = $6, updated_at = $7,
                version = version + 1
          WHERE id = $1 AND version = $2 RETURNING ${CHANNEL_COLUMNS}`,
        [
          id,
          version,
          change.name ?? current.name,
          change.url ?? current.url,
          change.secret === undefined ? current.secret : change.secret,
          change.enabled ?? current.enabled,
          new Date(now),
        ],
      );
      const channel = toChannel(row);
      await audit(manager, CHANNEL_EVENTS.updated, actor, now, channel, {
        changed: Object.keys(change).filter(
          (key) => change[key as keyof ChannelChange] !== undefined,
        ),
      });
      return channel;
    });
  }

  /** Deletes a channel at `version`: it receives nothing more; its deliveries stay. */
  async remove(
    orgUnitId: string,
    id: string,
    version: number,
    actor: string,
    now: number,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.current(manager, orgUnitId, id, version);
      const [[row]] = await manager.query<[ChannelRow[], number]>(
        `UPDATE org_unit_channels SET deleted_at = $3, enabled = false, version = version + 1
          WHERE id = $1 AND version = $2 RETURNING ${CHANNEL_COLUMNS}`,
        [id, version, new Date(now)],
      );
      await audit(manager, CHANNEL_EVENTS.deleted, actor, now, toChannel(row));
    });
  }

  /** Audits a test message sent to a channel, with whether it was accepted. */
  async recordTest(channel: Channel, ok: boolean, actor: string, now: number): Promise<void> {
    await this.dataSource.transaction((manager) =>
      audit(manager, CHANNEL_EVENTS.tested, actor, now, channel, { ok }),
    );
  }

  /**
   * The units whose channels a notice goes to (it concerns them): the instance's own unit —
   * not its ancestors — and, for a 督办 (`escalation`), the units on the chain above it (or it)
   * where the addressed users (`user:<id>`) hold `supervisor` or `secretary`.
   */
  async unitsConcerned(
    manager: EntityManager,
    notice: {
      readonly instanceId: string | null;
      readonly escalation: boolean;
      readonly recipients: readonly string[];
    },
  ): Promise<string[]> {
    if (notice.instanceId === null) return [];
    const rows = await manager.query<{ id: string }[]>(
      `SELECT p.org_unit_id AS id FROM process_instances p
        WHERE p.id = $1 AND p.org_unit_id IS NOT NULL
       UNION
       SELECT r.org_unit_id FROM process_instances p
         JOIN org_units b ON b.id = p.org_unit_id
         JOIN user_roles r ON r.role IN ('supervisor', 'secretary')
                          AND 'user:' || r.user_id::text = ANY($3::text[])
         JOIN org_units o ON o.id = r.org_unit_id AND starts_with(b.path, o.path)
        WHERE p.id = $1 AND $2`,
      [notice.instanceId, notice.escalation, [...notice.recipients]],
    );
    return rows.map((row) => row.id).sort();
  }

  /**
   * One pending delivery per (notification, enabled channel of the units), inside the caller's
   * transaction; an existing pair is left alone. Returns the new deliveries' ids.
   */
  async addDeliveries(
    manager: EntityManager,
    notificationIds: readonly string[],
    orgUnitIds: readonly string[],
    channelName: string | null = null,
  ): Promise<string[]> {
    if (notificationIds.length === 0 || orgUnitIds.length === 0) return [];
    const rows = await manager.query<{ id: string }[]>(
      `INSERT INTO channel_deliveries (notification_id, channel_id)
       SELECT n.id, c.id FROM unnest($1::uuid[]) AS n (id)
         JOIN org_unit_channels c ON c.org_unit_id = ANY($2::text[])
        WHERE c.enabled AND c.deleted_at IS NULL AND ($3::text IS NULL OR c.name = $3)
       ON CONFLICT (notification_id, channel_id) DO NOTHING RETURNING id`,
      [[...notificationIds], [...orgUnitIds], channelName],
    );
    return rows.map((row) => row.id);
  }

  /** Whether the unit has an enabled channel of this name (inside the caller's transaction). */
  async hasEnabled(manager: EntityManager, orgUnitId: string, name: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM org_unit_channels
        WHERE org_unit_id = $1 AND name = $2 AND enabled AND deleted_at IS NULL`,
      [orgUnitId, name],
    );
    return rows.length > 0;
  }

  /** The latest deliveries to one channel of the unit, newest first (at most `limit`). */
  async deliveriesTo(
    orgUnitId: string,
    channelId: string,
    limit: number,
  ): Promise<ChannelDelivery[]> {
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT d.id, d.notification_id, d.channel_id, c.name AS channel_name, c.org_unit_id, c.kind,
              d.state, d.attempts, d.answer, d.updated_at, d.sent_at
         FROM channel_deliveries d JOIN org_unit_channels c ON c.id = d.channel_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE d.channel_id = $1 AND c.org_unit_id = $2
        ORDER BY n.created_at DESC, d.id LIMIT $3`,
      [channelId, orgUnitId, limit],
    );
    return rows.map(toDelivery);
  }

  /** A delivery with its channel and notice, or null when there is no such delivery. */
  async deliveryToSend(id: string): Promise<DeliveryToSend | null> {
    const [row] = await this.dataSource.query<
      (ChannelRow & {
        state: DeliveryState;
        title: string;
        body: string;
        recipient: string;
        subject_unit_id: string;
      })[]
    >(
      `SELECT d.state, n.title, n.body, n.recipient, c.id, c.org_unit_id, c.kind, c.name, c.url,
              c.secret, c.enabled, c.deleted_at,
              COALESCE(i.org_unit_id, c.org_unit_id) AS subject_unit_id
         FROM channel_deliveries d
         JOIN org_unit_channels c ON c.id = d.channel_id
         JOIN notifications n ON n.id = d.notification_id
         LEFT JOIN process_instances i ON i.id = n.instance_id
        WHERE d.id = $1`,
      [id],
    );
    if (!row) return null;
    return {
      state: row.state,
      target: toTarget(row),
      title: row.title,
      body: row.body,
      recipient: row.recipient,
      subjectUnitId: row.subject_unit_id,
    };
  }

  /**
   * Records an attempt of a delivery not yet done (`pending` or `retrying`): `retrying`
   * (failed, more attempts to come), `sent` or `failed`, with the channel's answer.
   */
  async recordAttempt(
    id: string,
    state: 'retrying' | 'sent' | 'failed',
    answer: string,
    now: number,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE channel_deliveries
          SET state = $2, attempts = attempts + 1, answer = left($3, 1000), updated_at = $4,
              sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz ELSE NULL END
        WHERE id = $1 AND state IN ('pending', 'retrying')`,
      [id, state, answer, new Date(now)],
    );
  }

  /**
   * Deliveries not yet sent nor given up (pending, or retrying after a failed attempt) of
   * notices written before `before`, oldest notice first: the reconciler queues their jobs
   * again when Redis lost them (migration ChannelDeliveriesUnfinished's partial index).
   */
  async unfinishedDeliveries(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT d.id FROM channel_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.state IN ('pending', 'retrying') AND n.created_at < $1
        ORDER BY n.created_at, d.id LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The deliveries of notices, by notice, oldest channel first. */
  async deliveriesOf(notificationIds: readonly string[]): Promise<ChannelDelivery[]> {
    if (notificationIds.length === 0) return [];
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT d.id, d.notification_id, d.channel_id, c.name AS channel_name, c.org_unit_id, c.kind,
              d.state, d.attempts, d.answer, d.updated_at, d.sent_at
         FROM channel_deliveries d JOIN org_unit_channels c ON c.id = d.channel_id
        WHERE d.notification_id = ANY($1::uuid[])
        ORDER BY d.notification_id, c.name, d.id`,
      [[...notificationIds]],
    );
    return rows.map(toDelivery);
  }

  private async row(
    manager: EntityManager,
    orgUnitId: string,
    id: string,
    lock = false,
  ): Promise<ChannelRow | undefined> {
    const [row] = await manager.query<ChannelRow[]>(
      `SELECT ${CHANNEL_COLUMNS} FROM org_unit_channels
        WHERE id = $1 AND org_unit_id = $2 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
      [id, orgUnitId],
    );
    return row;
  }

  private async current(
    manager: EntityManager,
    orgUnitId: string,
    id: string,
    version: number,
  ): Promise<ChannelRow> {
    const row = await this.row(manager, orgUnitId, id, true);
    if (!row) {
      throw new ChannelWriteRefused('not-found', `no channel '${id}' on org unit '${orgUnitId}'`);
    }
    if (row.version !== version) {
      throw new ChannelWriteRefused(
        'stale',
        `channel '${id}' is at version ${row.version}, not ${version}: read it again`,
      );
    }
    return row;
  }

  private async assertNameFree(
    manager: EntityManager,
    orgUnitId: string,
    name: string,
    except: string | null,
  ): Promise<void> {
    const taken = await manager.query<unknown[]>(
      `SELECT 1 FROM org_unit_channels
        WHERE org_unit_id = $1 AND name = $2 AND deleted_at IS NULL AND id IS DISTINCT FROM $3`,
      [orgUnitId, name, except],
    );
    if (taken.length > 0) {
      throw new ChannelWriteRefused(
        'name-taken',
        `org unit '${orgUnitId}' already has a channel named '${name}'`,
      );
    }
  }
}

function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    orgUnitId: row.org_unit_id,
    kind: row.kind,
    name: row.name,
    url: maskRobotUrl(row.url),
    signed: row.secret !== null,
    enabled: row.enabled,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function toDelivery(row: DeliveryRow): ChannelDelivery {
  return {
    id: row.id,
    notificationId: row.notification_id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    orgUnitId: row.org_unit_id,
    kind: row.kind,
    state: row.state,
    attempts: row.attempts,
    answer: row.answer,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}

function toTarget(row: ChannelRow): ChannelTarget {
  return {
    id: row.id,
    orgUnitId: row.org_unit_id,
    kind: row.kind,
    name: row.name,
    url: row.url,
    secret: row.secret,
    enabled: row.enabled,
    deleted: row.deleted_at !== null,
  };
}

async function audit(
  manager: EntityManager,
  type: string,
  actor: string,
  now: number,
  channel: Channel,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await appendAudit(manager, SYSTEM_STREAM, [
    {
      type,
      actor,
      data: {
        channelId: channel.id,
        orgUnitId: channel.orgUnitId,
        kind: channel.kind,
        name: channel.name,
        enabled: channel.enabled,
        version: channel.version,
        ...extra,
      },
      at: now,
    },
  ]);
}
