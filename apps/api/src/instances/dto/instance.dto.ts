import type { DisplayState } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';

export const INSTANCE_STATES = ['active', 'incident', 'completed', 'terminated'] as const;

export class OpenTaskDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['user', 'service'] })
  kind!: 'user' | 'service';

  @ApiProperty({ description: 'The BPMN element id.' })
  elementId!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  assignee!: string | null;

  @ApiProperty({ type: [String] })
  candidateGroups!: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  dueAt!: Date | null;

  @ApiProperty({ type: String, nullable: true })
  claimedBy!: string | null;
}

export class IncidentDto {
  @ApiProperty({ description: 'Resolve it with POST /api/instances/:id/incidents/:key/resolve.' })
  key!: string;

  @ApiProperty()
  elementId!: string;

  @ApiProperty()
  message!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class InstanceSummaryDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  templateKey!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty({ type: String, nullable: true })
  businessKey!: string | null;

  @ApiProperty({ type: String, nullable: true })
  orgUnitId!: string | null;

  @ApiProperty({ enum: INSTANCE_STATES, description: '`incident`: active, but blocked.' })
  state!: DisplayState;

  @ApiProperty()
  startedBy!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: Date | null;
}

export class InstanceDto extends InstanceSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true })
  variables!: Record<string, JsonValue>;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;

  @ApiProperty({ type: [OpenTaskDto], description: 'Open user tasks and service-task jobs.' })
  openTasks!: OpenTaskDto[];

  @ApiProperty({ type: [IncidentDto] })
  incidents!: IncidentDto[];
}

export class InstanceListDto {
  @ApiProperty({ type: [InstanceSummaryDto] })
  items!: InstanceSummaryDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  pageSize!: number;
}

export class ListInstancesQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  templateKey?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  businessKey?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  orgUnitId?: string;

  @ApiPropertyOptional({ enum: INSTANCE_STATES })
  @IsOptional()
  @IsIn(INSTANCE_STATES)
  state?: DisplayState;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Position in the instance’s chain (1, 2, …).' })
  seq!: number;

  @ApiProperty({ example: 'task.completed' })
  type!: string;

  @ApiProperty()
  actor!: string;

  @ApiProperty({
    description: 'Who acted, as a person reads it: a user’s or member’s name, 系统 for the engine.',
  })
  actorName!: string;

  @ApiProperty({ type: String, nullable: true })
  elementId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, JsonValue>;

  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ description: 'sha256 chaining this event to the previous one.' })
  hash!: string;
}

export class InstanceHistoryDto {
  @ApiProperty()
  instanceId!: string;

  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  @ApiProperty()
  total!: number;
}
