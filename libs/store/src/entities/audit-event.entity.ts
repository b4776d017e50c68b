import type { JsonValue } from '@app/feel';
import { Column, Entity, Generated, PrimaryColumn } from 'typeorm';

/**
 * Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained per stream: a
 * stream is one instance (its id), `ledger:<itemId>` for an item opened by hand, or `system`
 * (deployments and other events without one). Keyed by (stream, seq); `id` numbers the events
 * in the order they were written, across streams.
 */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @Column({ type: 'bigint' })
  @Generated('increment')
  id!: string;

  @PrimaryColumn({ type: 'text' })
  stream!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'instance_id', type: 'uuid', nullable: true })
  instanceId!: string | null;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'element_id', type: 'text', nullable: true })
  elementId!: string | null;

  @Column({ type: 'jsonb' })
  data!: Record<string, JsonValue>;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
