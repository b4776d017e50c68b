import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NotBlank } from '../../common/validation.js';
import { UnitIdField } from './org-unit.dto.js';

export class ImportQueryDto {
  @UnitIdField('orgUnitId', true)
  orgUnitId?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Check and count only; nothing is written (default false).',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;

  @ApiPropertyOptional({ example: '党员花名册.xlsx', description: 'Kept in the audit trail.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^/\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/, {
    message: 'fileName 不能包含 / \\、控制字符或双向控制字符',
  })
  fileName?: string;

  @ApiPropertyOptional({
    maxLength: 500,
    description:
      'Why the roster changes members’ statuses (人员类别). Without it a row whose 人员类别 ' +
      'differs from the stored status is refused (422, 「状态变更须由管理员填写原因」); with it ' +
      'each change is applied and audited as a manual status change with this reason.',
  })
  @IsOptional()
  @IsString({ message: 'reason must be a string' })
  @MaxLength(500, { message: 'reason must be at most 500 characters' })
  @NotBlank('reason')
  reason?: string;
}

export class RosterErrorDto {
  @ApiProperty({ description: 'The row as the spreadsheet numbers it (the header is row 1).' })
  row!: number;

  @ApiProperty({ type: String, nullable: true, example: '出生日期' })
  column!: string | null;

  @ApiProperty({ example: "'1990-13-01' is not a day of the calendar" })
  reason!: string;
}

export class ImportResultDto {
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ description: 'True when nothing was written on purpose.' }) dryRun!: boolean;
  @ApiProperty({ type: [RosterErrorDto], description: 'Empty on success.' })
  errors!: RosterErrorDto[];
  @ApiProperty() errorCount!: number;
}
