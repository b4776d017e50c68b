import { ORG_UNIT_KINDS, type OrgUnitKind } from '@app/org';
import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_PAGE, PageQueryDto } from '../../common/pagination.dto.js';
import { NotBlank, invalidRequest } from '../../common/validation.js';

export const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UNIT_ID_MESSAGE = (field: string) =>
  `${field} 必须是党组织编号（小写字母、数字和 -，最多 63 个字符）`;

/** The `version` a write read: 409 VERSION_CONFLICT when the object changed since. */
export function VersionField(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ minimum: 1, description: 'The version you read (409 when stale).' })(target, key);
    IsInt({ message: 'version must be an integer' })(target, key);
    Min(1)(target, key);
    Max(MAX_PAGE)(target, key);
  };
}

export function UnitIdField(field: string, optional = false): PropertyDecorator {
  return (target, key) => {
    (optional ? ApiPropertyOptional : ApiProperty)({ example: 'branch-rd' })(target, key);
    if (optional) IsOptional()(target, key);
    IsString({ message: `${field} must be a string` })(target, key);
    Matches(UNIT_ID, { message: UNIT_ID_MESSAGE(field) })(target, key);
  };
}

export function NameField(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({
      maxLength: 64,
      description: 'Trimmed; 1 to 64 characters, no control characters.',
    })(target, key);
    IsString({ message: 'name must be a string' })(target, key);
    MaxLength(200)(target, key);
    NotBlank('name')(target, key);
  };
}

export class ListOrgUnitsQueryDto extends PageQueryDto {
  @UnitIdField('orgUnitId', true)
  orgUnitId?: string;

  @ApiPropertyOptional({
    example: 'general-1',
    description:
      'Only the direct children of this unit (one level of the tree); an unknown unit and one ' +
      'outside your scope: the same 400.',
  })
  @IsOptional()
  @IsString({ message: 'parentId must be a string' })
  @Matches(UNIT_ID, { message: UNIT_ID_MESSAGE('parentId') })
  parentId?: string;

  @ApiPropertyOptional({
    example: '研发',
    maxLength: 64,
    description: 'Only units whose name contains this text (case-insensitive).',
  })
  @IsOptional()
  @IsString({ message: 'q must be a string' })
  @MaxLength(64, { message: 'q 最多 64 个字符' })
  q?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Include closed units (default false).' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'includeClosed must be true or false' })
  includeClosed?: boolean;
}

export class CreateOrgUnitDto {
  @UnitIdField('id')
  id!: string;

  @UnitIdField('parentId')
  parentId!: string;

  @ApiProperty({ enum: ORG_UNIT_KINDS })
  @IsIn(ORG_UNIT_KINDS, { message: `kind must be one of ${ORG_UNIT_KINDS.join(', ')}` })
  kind!: OrgUnitKind;

  @NameField()
  name!: string;
}

export class RenameOrgUnitDto {
  @NameField()
  name!: string;

  @VersionField()
  version!: number;
}

export class MoveOrgUnitDto {
  @UnitIdField('parentId')
  parentId!: string;

  @VersionField()
  version!: number;
}

export class VersionDto {
  @VersionField()
  version!: number;
}

export class OrgUnitDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, nullable: true }) parentId!: string | null;
  @ApiProperty({ enum: ORG_UNIT_KINDS }) kind!: OrgUnitKind;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '/committee/general-1/branch-rd/' }) path!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt!: string | null;
}

export class OrgUnitListItemDto extends OrgUnitDto {
  @ApiProperty({ description: 'How many child units it has (closed ones with includeClosed).' })
  childCount!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The parent unit’s name.' })
  parentName!: string | null;
}

export class OrgUnitListDto {
  @ApiProperty({ type: [OrgUnitListItemDto] }) items!: OrgUnitListItemDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

export class MovedOrgUnitDto extends OrgUnitDto {
  @ApiProperty({ description: 'How many units moved (the unit and its subtree).' })
  moved!: number;
}

/** An org unit id in the path: 400 naming it when malformed, before any query runs. */
@Injectable()
export class UnitIdParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UNIT_ID.test(value)) {
      throw invalidRequest([{ field: 'id', message: UNIT_ID_MESSAGE('id') }]);
    }
    return value;
  }
}
