import {
  LEDGER_ENTRY_KINDS,
  LEDGER_LISTS,
  LEDGER_SOURCES,
  LEDGER_STATES,
  type LedgerEntryKind,
  type LedgerList,
  type LedgerSource,
  type LedgerState,
  TRAFFIC_LIGHTS,
  type TrafficLight,
} from '@app/ledger';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { CursorPageQueryDto, PageQueryDto } from '../../common/pagination.dto.js';
import { NotBlank } from '../../common/validation.js';

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The filters of the ledger list and its exports. */
export class LedgerFilterQueryDto {
  @ApiPropertyOptional({ description: 'Text in the title or the standard (工作标准), any case.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: LEDGER_LISTS, description: '问题清单 / 任务清单 / 责任清单' })
  @IsOptional()
  @IsIn(LEDGER_LISTS, { message: `list must be one of ${LEDGER_LISTS.join(', ')}` })
  list?: LedgerList;

  @ApiPropertyOptional({ enum: LEDGER_STATES })
  @IsOptional()
  @IsIn(LEDGER_STATES, { message: `state must be one of ${LEDGER_STATES.join(', ')}` })
  state?: LedgerState;

  @ApiPropertyOptional({ enum: LEDGER_SOURCES })
  @IsOptional()
  @IsIn(LEDGER_SOURCES, { message: `source must be one of ${LEDGER_SOURCES.join(', ')}` })
  source?: LedgerSource;

  @ApiPropertyOptional({
    description: 'An org unit: its whole subtree. 403 when it is outside what you read.',
    example: 'branch-rd',
  })
  @IsOptional()
  @Matches(UNIT_ID, { message: 'orgUnitId 必须是党组织编号（小写字母、数字和 -）' })
  orgUnitId?: string;

  @ApiPropertyOptional({
    enum: TRAFFIC_LIGHTS,
    description:
      'red: not closed and past due; yellow: due within LEDGER_YELLOW_DAYS days; green: otherwise.',
  })
  @IsOptional()
  @IsIn(TRAFFIC_LIGHTS, { message: `light must be one of ${TRAFFIC_LIGHTS.join(', ')}` })
  light?: TrafficLight;

  @ApiPropertyOptional({ type: Boolean, description: 'Open or in progress and past due.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'overdue must be true or false' })
  overdue?: boolean;

  @ApiPropertyOptional({ type: Boolean, description: 'Escalated (督办) at least once.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'escalated must be true or false' })
  escalated?: boolean;

  @ApiPropertyOptional({ description: 'Due at or after (ISO date or date-time).' })
  @IsOptional()
  @IsISO8601({}, { message: 'dueFrom must be an ISO date or date-time' })
  dueFrom?: string;

  @ApiPropertyOptional({
    description: 'Due at or before (ISO date or date-time; a date means its end).',
  })
  @IsOptional()
  @IsISO8601({}, { message: 'dueTo must be an ISO date or date-time' })
  dueTo?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'instanceId must be a UUID' })
  instanceId?: string;

  @ApiPropertyOptional({
    enum: ['due', '-due', 'created', '-created', 'escalations'],
    default: 'due',
  })
  @IsOptional()
  @IsIn(['due', '-due', 'created', '-created', 'escalations'], {
    message: 'sort must be one of due, -due, created, -created, escalations',
  })
  sort?: 'due' | '-due' | 'created' | '-created' | 'escalations';
}

/** Page and filters of `GET /ledger/items` (page / pageSize as everywhere, at most 100). */
export class ListLedgerQueryDto extends IntersectionType(PageQueryDto, LedgerFilterQueryDto) {}

export class OverdueQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ description: 'Limit to this unit’s subtree (403 outside your scope).' })
  @IsOptional()
  @Matches(UNIT_ID, { message: 'orgUnitId 必须是党组织编号（小写字母、数字和 -）' })
  orgUnitId?: string;
}

export class RollupQueryDto {
  @ApiProperty({ enum: ['month', 'quarter'] })
  @IsIn(['month', 'quarter'], { message: 'period must be month or quarter' })
  period!: 'month' | 'quarter';

  @ApiProperty({
    example: '2026-01',
    description: 'First month (YYYY-MM); quarters widen to whole quarters.',
  })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'from 必须是月份（YYYY-MM）' })
  from!: string;

  @ApiProperty({ example: '2026-06', description: 'Last month (YYYY-MM), inclusive.' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'to 必须是月份（YYYY-MM）' })
  to!: string;

  @ApiPropertyOptional({
    description:
      'The unit whose subtree is rolled up (each unit in it gets rows). Default: the units your ' +
      'secretary / supervisor roles cover.',
  })
  @IsOptional()
  @Matches(UNIT_ID, { message: 'orgUnitId 必须是党组织编号（小写字母、数字和 -）' })
  orgUnitId?: string;
}

export class CreateLedgerItemDto {
  @ApiProperty({
    enum: LEDGER_LISTS,
    description: '问题清单 problem / 任务清单 task / 责任清单 responsibility',
  })
  @IsIn(LEDGER_LISTS, { message: `list must be one of ${LEDGER_LISTS.join(', ')}` })
  list!: LedgerList;

  @ApiProperty({ example: '组织生活会整改：党员学习记录不全' })
  @IsString()
  @IsNotEmpty({ message: 'title must not be empty' })
  @NotBlank('title')
  @MaxLength(500)
  title!: string;

  @ApiProperty({
    description: '工作标准: what done means.',
    example: '补齐全年学习记录并经支委会审核',
  })
  @IsString()
  @IsNotEmpty({ message: 'standard must not be empty' })
  @NotBlank('standard')
  @MaxLength(5000)
  standard!: string;

  @ApiProperty({ description: '责任主体: the responsible unit.', example: 'branch-rd' })
  @Matches(UNIT_ID, { message: 'orgUnitId 必须是党组织编号（小写字母、数字和 -）' })
  orgUnitId!: string;

  @ApiProperty({ description: '责任人: the responsible person.', example: '张书记' })
  @IsString()
  @IsNotEmpty({ message: 'responsible must not be empty' })
  @NotBlank('responsible')
  @MaxLength(200)
  responsible!: string;

  @ApiProperty({ description: '考核部门: the assessing unit.', example: 'general-1' })
  @Matches(UNIT_ID, { message: 'assessingUnitId 必须是党组织编号（小写字母、数字和 -）' })
  assessingUnitId!: string;

  @ApiProperty({
    description: '完成时间: ISO date-time (a date alone is 00:00 of that day in TIME_ZONE).',
    example: '2026-04-30T18:00:00+08:00',
  })
  @IsISO8601({}, { message: 'dueAt must be an ISO date or date-time' })
  dueAt!: string;
}

export class ProgressDto {
  @ApiProperty({ description: 'What was done (进展).' })
  @IsString()
  @MaxLength(5000)
  note!: string;
}

export class SubmitDto {
  @ApiPropertyOptional({
    description: 'Text evidence (佐证材料). A note or an attachment is required.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  note?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Attachments to submit; default every attachment uploaded since the last submission.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'attachmentIds must be UUIDs' })
  attachmentIds?: string[];
}

export class VerifyDto {
  @ApiPropertyOptional({ description: 'The verifier’s remark.' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string;
}

export class BulkVerifyDto {
  @ApiProperty({
    description:
      'The items to close (销号), each submitted and yours to verify; at most LEDGER_BULK_VERIFY_MAX (200).',
    type: [String],
    format: 'uuid',
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'ids must name at least one item' })
  @IsUUID('all', { each: true, message: 'ids must be UUIDs' })
  ids!: string[];

  @ApiPropertyOptional({ description: 'The verifier’s remark, on every closure.' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  note?: string;
}

export class BulkVerifyResultDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'The items closed, by id.' })
  closed!: string[];
}

export class RejectDto {
  @ApiProperty({ description: 'Why the evidence is not enough (required).' })
  @IsString()
  @MaxLength(5000)
  reason!: string;
}

export class ReopenDto {
  @ApiProperty({ description: 'What the follow-up check (回头看) found (required).' })
  @IsString()
  @MaxLength(5000)
  reason!: string;

  @ApiPropertyOptional({
    description: 'A new due time; escalation then starts again from the first level.',
  })
  @IsOptional()
  @IsISO8601({}, { message: 'dueAt must be an ISO date or date-time' })
  dueAt?: string;
}

export class UploadQueryDto {
  @ApiPropertyOptional({
    example: '学习记录.pdf',
    description: 'Required with a raw body; a multipart upload keeps its part’s file name.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'fileName must not be empty' })
  @MaxLength(255)
  // No path separators, no C0 / DEL / C1 controls, no bidirectional controls (a name that
  // reads "evil<U+202E>fdp.exe" as "evilexe.pdf")
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^/\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/, {
    message: 'fileName 不能包含 / \\、控制字符或双向控制字符',
  })
  fileName?: string;
}

export class LedgerAttachmentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The submission entry it belongs to (null until submitted).',
  })
  entryId!: string | null;
  @ApiProperty() fileName!: string;
  @ApiProperty() contentType!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty({ description: 'sha256 of the bytes, hex.' }) sha256!: string;
  @ApiProperty() uploadedBy!: string;
  @ApiProperty({ description: 'Who uploaded it, by name (王建国).', example: '王建国' })
  uploadedByName!: string;
  @ApiProperty({ type: String, format: 'date-time' }) uploadedAt!: Date;
}

export class LedgerEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: LEDGER_ENTRY_KINDS }) kind!: LedgerEntryKind;
  @ApiProperty() actor!: string;
  @ApiProperty({
    description: 'Who did it, by name (王建国; 系统 for the escalation sweep).',
    example: '王建国',
  })
  actorName!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The note; for a rejection or a 回头看 the reason.',
  })
  note!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'An escalation (督办): the unit it went to, by name; null for other entries.',
  })
  escalatedToName!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) at!: Date;
}

export class LedgerItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: LEDGER_LISTS }) list!: LedgerList;
  @ApiProperty({ enum: LEDGER_SOURCES }) source!: LedgerSource;
  @ApiProperty({ type: String, nullable: true }) taskId!: string | null;
  @ApiProperty({ type: String, nullable: true }) instanceId!: string | null;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true, description: '工作标准' }) standard!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '责任单位' }) orgUnitId!: string | null;
  @ApiProperty({ type: String, nullable: true }) orgUnitName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: '责任人 (task items: assignee, else the candidate groups)',
  })
  responsible!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      '责任人 as a person reads it: a name, or a role over the unit (研发中心党支部 书记)',
  })
  responsibleName!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '考核部门' }) assessingUnitId!:
    string | null;
  @ApiProperty({ type: String, nullable: true }) assessingUnitName!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: '完成时间' })
  dueAt!: Date | null;
  @ApiProperty({ enum: LEDGER_STATES }) state!: LedgerState;
  @ApiProperty({
    enum: TRAFFIC_LIGHTS,
    nullable: true,
    description: '亮灯 now (null once closed / cancelled)',
  })
  light!: TrafficLight | null;
  @ApiProperty({ description: 'Open or in progress and past due.' }) overdue!: boolean;
  @ApiProperty({ description: '督办次数' }) escalations!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) escalatedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true, description: 'The unit of the last escalation.' })
  escalatedTo!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) submittedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) closedBy!: string | null;
  @ApiProperty({ description: 'Times reopened by a 回头看.' }) reopened!: number;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
}

/** A row of the ledger list: the item with its process by name. */
export class LedgerListItemDto extends LedgerItemDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '主题党日',
    description: 'The process template of its instance, by name; null for an item opened by hand.',
  })
  templateName!: string | null;
}

export class LedgerItemDetailDto extends LedgerListItemDto {
  @ApiProperty({ description: 'Who opened it, by name (系统 for a task’s item).' })
  createdByName!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Who closed it (销号), by name.' })
  closedByName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The unit of the last escalation (督办), by name.',
  })
  escalatedToName!: string | null;
  @ApiProperty({
    description:
      'Whether you may answer for it (report progress, upload evidence, submit): the secretary ' +
      'covering its unit or the task’s assignee. The steps also need the state to allow them.',
  })
  canRespond!: boolean;
  @ApiProperty({
    description:
      'Whether you may supervise it (销号, 退回, 回头看): a supervisor covering its unit or its ' +
      'assessing unit. The steps also need the state to allow them.',
  })
  canSupervise!: boolean;
  @ApiProperty({ type: [LedgerEntryDto] }) entries!: LedgerEntryDto[];
  @ApiProperty({ type: [LedgerAttachmentDto] }) attachments!: LedgerAttachmentDto[];
}

export class LedgerSearchResultDto {
  @ApiProperty({ type: [LedgerListItemDto] }) items!: LedgerListItemDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

export class LedgerItemListDto {
  @ApiProperty({ type: [LedgerItemDto] }) items!: LedgerItemDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

export class RollupRowDto {
  @ApiProperty() orgUnitId!: string;
  @ApiProperty() orgUnitName!: string;
  @ApiProperty({ example: '2026-03', description: '`YYYY-MM` or `YYYY-Qn`.' }) period!: string;
  @ApiProperty({ description: 'Items opened (挂账) in the period.' }) opened!: number;
  @ApiProperty({
    description: 'Items opened before the period’s end and not closed at that moment.',
  })
  openAtEnd!: number;
  @ApiProperty({ description: 'Of openAtEnd, those due before the period’s end.' })
  overdueAtEnd!: number;
  @ApiProperty({ description: 'Distinct items closed (销号) in the period.' }) closed!: number;
  @ApiProperty({
    description:
      'Of closed, those whose last closure in the period accepted a submission made by the due time.',
  })
  closedOnTime!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'closedOnTime / closed; null when closed is 0.',
  })
  onTimeRate!: number | null;
}

export class RollupDto {
  @ApiProperty({ enum: ['month', 'quarter'] }) period!: 'month' | 'quarter';
  @ApiProperty({ type: [String] }) periods!: string[];
  @ApiProperty({ type: [RollupRowDto] }) rows!: RollupRowDto[];
}
