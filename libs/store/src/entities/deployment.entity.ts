import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One deployed template file, as it was deployed (its XML is kept verbatim). */
@Entity({ name: 'deployments' })
export class DeploymentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  checksum!: string;

  @Column({ type: 'text' })
  xml!: string;

  @Column({ name: 'deployed_by', type: 'text' })
  deployedBy!: string;

  @Column({ name: 'deployed_at', type: 'timestamptz' })
  deployedAt!: Date;
}
