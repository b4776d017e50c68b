import type { DisplayState } from '@app/engine';
import type { JsonValue } from '@app/feel';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
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

/** A row of the list: the instance with what a person reads of it (names, not ids). */
export class InstanceListItemDto extends InstanceSummaryDto {
  @ApiProperty({ type: String, nullable: true, example: '主题党日' })
  templateName!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '研发中心党支部' })
  orgUnitName!: string | null;

  @ApiProperty({
    type: [String],
    description: 'The names of its open user tasks (steps), oldest first.',
    example: ['制定计划'],
  })
  openTaskNames!: string[];
}

export class InstanceListDto {
  @ApiProperty({ type: [InstanceListItemDto] })
  items!: InstanceListItemDto[];

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

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'With `orgUnitId`: the instances of the unit and of every unit below it (a 党总支 and its ' +
      'branches); default false, the unit alone.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'includeSubUnits must be true or false' })
  includeSubUnits?: boolean;

  @ApiPropertyOptional({ enum: INSTANCE_STATES })
  @IsOptional()
  @IsIn(INSTANCE_STATES)
  state?: DisplayState;

  @ApiPropertyOptional({
    example: '2026-11-30T16:00:00.000Z',
    description: 'Started at or after this instant (ISO date-time).',
  })
  @IsOptional()
  @IsISO8601()
  startedFrom?: string;

  @ApiPropertyOptional({
    example: '2026-12-31T16:00:00.000Z',
    description: 'Started before this instant (ISO date-time).',
  })
  @IsOptional()
  @IsISO8601()
  startedBefore?: string;
}

export class CancelInstanceDto {
  @ApiPropertyOptional({
    description: 'Why it is cancelled; kept in the instance’s audit history.',
    example: '计划调整，本月主题党日与上级组织的活动合并开展',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ElementStatisticsDto {
  @ApiProperty({ description: 'The BPMN element id.' })
  elementId!: string;

  @ApiProperty({ description: 'How many times it completed.' })
  completed!: number;

  @ApiProperty({ description: 'How many of its element instances are running now.' })
  active!: number;

  @ApiProperty({ description: 'How many open incidents it has.' })
  incidents!: number;
}

export class InstanceDiagramDto {
  @ApiProperty()
  instanceId!: string;

  @ApiProperty()
  templateKey!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty({ type: String, nullable: true, example: '主题党日' })
  templateName!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '研发中心党支部' })
  orgUnitName!: string | null;

  @ApiProperty({ description: 'The BPMN 2.0 XML of the version the instance runs.' })
  xml!: string;

  @ApiProperty({
    type: [ElementStatisticsDto],
    description: 'The elements that ran, are running or are blocked, by element id.',
  })
  elements!: ElementStatisticsDto[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Names of the members, users and org units the instance’s variables hold the ids of ' +
      '(anywhere in their values), by id: a page shows the names, never the ids.',
    example: { 'branch-rd': '研发中心党支部' },
  })
  names!: Record<string, string>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'What the forms of the version call each variable they set: a field’s label by its key ' +
      '(the first form that has it), for a page to show beside the variable’s name.',
    example: { place: '活动地点' },
  })
  labels!: Record<string, string>;
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
