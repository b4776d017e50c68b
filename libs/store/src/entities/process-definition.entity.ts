import type { ProcessGraph } from '@app/bpmn';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One version of one executable process (key = the BPMN process id). */
@Entity({ name: 'process_definitions' })
export class ProcessDefinitionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'deployment_id', type: 'uuid' })
  deploymentId!: string;

  @Column({ type: 'text' })
  checksum!: string;

  /** The compiled graph (its `ref` is `<key>:<version>`). */
  @Column({ type: 'jsonb' })
  graph!: ProcessGraph;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
