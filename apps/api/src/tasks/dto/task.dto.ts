import type { TaskRowState } from '@app/store';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { OptionalJsonObject } from '../../common/json-object.js';
import { CappedPageDto, CursorPageQueryDto } from '../../common/pagination.dto.js';
import type { JsonValue } from '@app/feel';

export const TASK_STATES = ['open', 'completed', 'cancelled'] as const;
export const TASK_KINDS = ['user', 'service'] as const;
export const TASK_LIGHTS = ['green', 'yellow', 'red'] as const;
export type TaskLight = (typeof TASK_LIGHTS)[number];
export const TASK_SORTS = ['due', 'created'] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

export class ListTasksQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({
    description: 'Tasks of instances in this org unit and its subtree (must be in your scope).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(63)
  orgUnitId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  instanceId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  assignee?: string;

  @ApiPropertyOptional({ description: 'Tasks offered to this group.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  candidateGroup?: string;

  @ApiPropertyOptional({ description: 'Tasks offered to this user as a candidate.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  candidateUser?: string;

  @ApiPropertyOptional({ enum: TASK_STATES })
  @IsOptional()
  @IsIn(TASK_STATES)
  state?: TaskRowState;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: open tasks past their due date; false: all others.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'overdue must be true or false' })
  overdue?: boolean;

  @ApiPropertyOptional({
    enum: TASK_KINDS,
    default: 'user',
    description: 'Service-task jobs only when asked.',
  })
  @IsOptional()
  @IsIn(TASK_KINDS)
  kind: 'user' | 'service' = 'user';

  @ApiPropertyOptional({ example: 'theme-day', description: 'Tasks of this template’s instances.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  templateKey?: string;

  @ApiPropertyOptional({
    enum: TASK_LIGHTS,
    description:
      '亮灯 of open tasks, as the ledger counts it: red past the due time (with the grace, as ' +
      '`overdue`), yellow due within LEDGER_YELLOW_DAYS, green later or without a due time.',
  })
  @IsOptional()
  @IsIn(TASK_LIGHTS)
  light?: TaskLight;

  @ApiPropertyOptional({
    example: '2026-12-07T16:00:00.000Z',
    description: 'Tasks due before this instant (ISO date-time), e.g. the end of this week.',
  })
  @IsOptional()
  @IsISO8601()
  dueBefore?: string;

  @ApiPropertyOptional({
    enum: TASK_SORTS,
    default: 'due',
    description: '`due`: soonest due first (no due time last); `created`: newest first.',
  })
  @IsOptional()
  @IsIn(TASK_SORTS)
  sort: TaskSort = 'due';
}

export class CompleteTaskDto {
  @OptionalJsonObject('Values the task sets (checked against its form, if it has one).', {
    attendance: 12,
  })
  variables?: Record<string, JsonValue>;
}

export const CANDIDATE_KINDS = ['user', 'member', 'group'] as const;

/** Someone a task is offered to, as a person reads it. */
export class TaskCandidateDto {
  @ApiProperty({
    description: 'The user or member id, or the group (a role) as the task names it.',
  })
  id!: string;

  @ApiProperty({
    description:
      'A person’s name; a group as its role over the instance’s unit (研发中心党支部 书记).',
  })
  name!: string;

  @ApiProperty({ enum: CANDIDATE_KINDS })
  kind!: (typeof CANDIDATE_KINDS)[number];
}

export class TaskDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  instanceId!: string;

  @ApiProperty()
  templateKey!: string;

  @ApiProperty({ enum: TASK_KINDS })
  kind!: 'user' | 'service';

  @ApiProperty()
  elementId!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  assignee!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The assignee’s name (a user or member); 未知人员 for an id nobody has.',
  })
  assigneeName!: string | null;

  @ApiProperty({
    type: [TaskCandidateDto],
    description:
      'Candidate users and groups by name (the ids stay in candidateUsers / candidateGroups).',
  })
  candidates!: TaskCandidateDto[];

  @ApiProperty({ type: String, nullable: true, description: 'The instance’s org unit id.' })
  orgUnitId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The instance’s org unit by name.' })
  orgUnitName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The template’s (process’s) name.' })
  templateName!: string | null;

  @ApiProperty({ type: [String] })
  candidateGroups!: string[];

  @ApiProperty({ type: [String] })
  candidateUsers!: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  dueAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  followUpAt!: Date | null;

  @ApiProperty({ description: 'Open and past its due date.' })
  overdue!: boolean;

  @ApiProperty({
    enum: TASK_LIGHTS,
    nullable: true,
    description: '亮灯 of an open task (see the `light` filter); null once it ended.',
  })
  light!: TaskLight | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'theme-day:branch-rd:2026-12',
    description: 'The instance’s business key.',
  })
  businessKey!: string | null;

  @ApiProperty({ enum: TASK_STATES })
  state!: TaskRowState;

  @ApiProperty({ type: String, nullable: true })
  claimedBy!: string | null;

  @ApiProperty({ type: String, nullable: true })
  claimedByName!: string | null;

  @ApiProperty({ type: String, nullable: true })
  completedBy!: string | null;

  @ApiProperty({ type: String, nullable: true })
  completedByName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The form (zeebe:formDefinition).' })
  formKey!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: Date | null;
}

export class TaskDetailDto extends TaskDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The form-js schema of the task’s form, when the api has it.',
  })
  form!: object | null;

  @ApiProperty({
    description:
      'Whether you may claim and complete it; false for a step you only see (e.g. a secretary ' +
      'looking at the higher organisation’s check of her branch’s work).',
  })
  canAct!: boolean;
}

export class TaskListDto extends CappedPageDto {
  @ApiProperty({ type: [TaskDto] })
  items!: TaskDto[];
}
