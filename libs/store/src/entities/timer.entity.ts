import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A timer the engine scheduled; the reconciler finds due ones here if Redis lost the job. */
@Entity({ name: 'timers' })
export class TimerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'instance_id', type: 'uuid' })
  instanceId!: string;

  @Column({ name: 'engine_key', type: 'text' })
  engineKey!: string;

  @Column({ name: 'element_id', type: 'text' })
  elementId!: string;

  @Column({ type: 'text' })
  purpose!: string;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ type: 'enum', enum: ['scheduled', 'fired', 'cancelled'], enumName: 'timer_state' })
  state!: 'scheduled' | 'fired' | 'cancelled';

  @Column({ name: 'fired_at', type: 'timestamptz', nullable: true })
  firedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
