import { MEMBER_GENDERS, MEMBER_STATUSES, type MemberGender, type MemberStatus } from '@app/org';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { NotBlank } from '../../common/validation.js';
import { NameField, UnitIdField, VersionField } from './org-unit.dto.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function DateField(field: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: String, format: 'date', nullable: true })(target, key);
    IsOptional()(target, key);
    IsString({ message: `${field} must be a date (YYYY-MM-DD)` })(target, key);
    Matches(DATE, { message: `${field} 必须是日期（YYYY-MM-DD）` })(target, key);
  };
}

function OptionalText(field: string, max: number, example: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: String, nullable: true, maxLength: max, example })(target, key);
    ValidateIf((_, value) => value !== null && value !== undefined)(target, key);
    IsString({ message: `${field} must be a string` })(target, key);
    MaxLength(max)(target, key);
  };
}

export class ListMembersQueryDto extends PageQueryDto {
  @UnitIdField('orgUnitId', true)
  orgUnitId?: string;

  @ApiPropertyOptional({ description: 'A name prefix, or a 党员编号 (exact).', maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  q?: string;

  @ApiPropertyOptional({
    description:
      'Only members of these statuses: repeat the parameter or separate them by commas ' +
      '(`status=probationary&status=full`, `status=probationary,full`).',
    type: [String],
    enum: MEMBER_STATUSES,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    (Array.isArray(value) ? value : [value]).flatMap((item: unknown) =>
      typeof item === 'string' ? item.split(',').map((part) => part.trim()) : [item],
    ),
  )
  @IsArray()
  @ArrayMaxSize(MEMBER_STATUSES.length * 2)
  @IsIn(MEMBER_STATUSES, {
    each: true,
    message: `status must be one or more of ${MEMBER_STATUSES.join(', ')}`,
  })
  status?: MemberStatus[];
}

class MemberFieldsDto {
  @ApiPropertyOptional({ enum: MEMBER_GENDERS, nullable: true })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsIn(MEMBER_GENDERS, { message: `gender must be one of ${MEMBER_GENDERS.join(', ')}` })
  gender?: MemberGender | null;

  @DateField('birthDate') birthDate?: string | null;
  @DateField('admissionDate') admissionDate?: string | null;
  @DateField('fullMemberDate') fullMemberDate?: string | null;

  @OptionalText('partyNumber', 64, 'DY2020001')
  partyNumber?: string | null;

  @OptionalText('phone', 32, '13812345678')
  phone?: string | null;
}

export class CreateMemberDto extends MemberFieldsDto {
  @UnitIdField('orgUnitId')
  orgUnitId!: string;

  @NameField()
  name!: string;

  @ApiProperty({ enum: MEMBER_STATUSES })
  @IsIn(MEMBER_STATUSES, { message: `status must be one of ${MEMBER_STATUSES.join(', ')}` })
  status!: MemberStatus;
}

export class UpdateMemberDto extends MemberFieldsDto {
  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString({ message: 'name must be a string' })
  @MaxLength(200)
  @NotBlank('name')
  name?: string;

  @VersionField()
  version!: number;
}

function ReasonField(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ maxLength: 500, description: 'Why; kept in the audit trail.' })(target, key);
    IsString({ message: 'reason must be a string' })(target, key);
    MaxLength(500)(target, key);
    NotBlank('reason')(target, key);
  };
}

export class TransferMemberDto {
  @UnitIdField('toOrgUnitId')
  toOrgUnitId!: string;

  @ReasonField()
  reason!: string;

  @VersionField()
  version!: number;
}

export class MemberStatusDto {
  @ApiProperty({ enum: MEMBER_STATUSES })
  @IsIn(MEMBER_STATUSES, { message: `status must be one of ${MEMBER_STATUSES.join(', ')}` })
  status!: MemberStatus;

  @ReasonField()
  reason!: string;

  @VersionField()
  version!: number;
}

export class MemberDto {
  @ApiProperty() id!: string;
  @ApiProperty() orgUnitId!: string;
  @ApiProperty({ example: '研发中心党支部', description: 'The name of the member’s unit.' })
  orgUnitName!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: MEMBER_GENDERS, nullable: true }) gender!: MemberGender | null;
  @ApiProperty({ enum: MEMBER_STATUSES }) status!: MemberStatus;
  @ApiProperty({ type: String, format: 'date', nullable: true }) birthDate!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) admissionDate!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) fullMemberDate!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '党员编号' })
  partyNumber!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Masked (138****5678) unless you are an admin of the member’s unit.',
  })
  phone!: string | null;
  @ApiProperty() version!: number;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] }) items!: MemberDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
