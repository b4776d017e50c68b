import type { DisplayState, InstanceState } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'process_instances' })
export class ProcessInstanceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'definition_id', type: 'uuid' })
  definitionId!: string;

  @Column({ name: 'template_key', type: 'text' })
  templateKey!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'business_key', type: 'text', nullable: true })
  businessKey!: string | null;

  @Column({ name: 'org_unit_id', type: 'text', nullable: true })
  orgUnitId!: string | null;

  @Column({
    type: 'enum',
    enum: ['active', 'incident', 'completed', 'terminated'],
    enumName: 'instance_state',
  })
  state!: DisplayState;

  /** The engine's state; only the step transaction writes it. */
  @Column({ name: 'engine_state', type: 'jsonb' })
  engineState!: InstanceState;

  /** The root scope's variables, copied out of engine_state for queries. */
  @Column({ type: 'jsonb' })
  variables!: Record<string, JsonValue>;

  /** Bumped by every step (optimistic checks by readers). */
  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'started_by', type: 'text' })
  startedBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
