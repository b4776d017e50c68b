import type { JsonValue } from '@app/feel';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TaskRowState = 'open' | 'completed' | 'cancelled';

/** A user task or a service task's job, projected from the engine's effects. */
@Entity({ name: 'tasks' })
export class TaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'instance_id', type: 'uuid' })
  instanceId!: string;

  @Column({ name: 'engine_key', type: 'text' })
  engineKey!: string;

  @Column({ type: 'enum', enum: ['user', 'service'], enumName: 'task_kind' })
  kind!: 'user' | 'service';

  @Column({ name: 'element_id', type: 'text' })
  elementId!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'text', nullable: true })
  assignee!: string | null;

  @Column({ name: 'candidate_groups', type: 'text', array: true })
  candidateGroups!: string[];

  @Column({ name: 'candidate_users', type: 'text', array: true })
  candidateUsers!: string[];

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'follow_up_at', type: 'timestamptz', nullable: true })
  followUpAt!: Date | null;

  @Column({ name: 'form_key', type: 'text', nullable: true })
  formKey!: string | null;

  @Column({ name: 'job_type', type: 'text', nullable: true })
  jobType!: string | null;

  @Column({ type: 'enum', enum: ['open', 'completed', 'cancelled'], enumName: 'task_state' })
  state!: TaskRowState;

  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'completed_by', type: 'text', nullable: true })
  completedBy!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  variables!: Record<string, JsonValue> | null;

  /** The template models reminders with boundary timers: no default reminders. */
  @Column({ name: 'reminders_modelled', type: 'boolean' })
  remindersModelled!: boolean;

  /** How often this task was escalated as overdue (督办次数). */
  @Column({ type: 'integer' })
  escalations!: number;

  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
