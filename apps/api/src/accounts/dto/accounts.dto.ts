import { PASSWORD_MAX_LENGTH, ROLES, type Role } from '@app/org';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.dto.js';

export class GrantDto {
  @ApiProperty({ enum: ROLES, example: 'secretary' })
  @IsIn(ROLES)
  role!: Role;

  @ApiProperty({ example: 'branch-rd' })
  @IsString()
  @MaxLength(63)
  orgUnitId!: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'secretary.branch-rd', description: 'a-z, 0-9, `.`, `_`, `-`; 2–64' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{1,63}$/, {
    message: 'loginName 必须是 2 到 64 个小写字母、数字或 . _ -（以字母或数字开头）',
  })
  loginName!: string;

  @ApiProperty({ example: '王建国' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ description: 'A member of a unit in your subtree.' })
  @IsOptional()
  @IsUUID('all')
  memberId?: string;

  @ApiProperty({ type: [GrantDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  grants!: GrantDto[];

  @ApiPropertyOptional({
    description:
      'The first password (else one is generated and answered once); changed at the first log-in.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'branch-rd',
    description: 'Only users holding a role on this unit or whose member belongs to it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  orgUnitId?: string;
}

export class VersionDto {
  @ApiProperty({ description: 'The version read (409 STALE_VERSION when it changed since).' })
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version!: number;
}

export class UpdateUserDto extends VersionDto {
  @ApiProperty({ example: '王建国' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;
}

export class RoleChangeDto extends VersionDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiProperty({ example: 'branch-rd' })
  @IsString()
  @MaxLength(63)
  orgUnitId!: string;
}

export class RoleRemoveQueryDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiProperty({ example: 'branch-rd' })
  @IsString()
  @MaxLength(63)
  orgUnitId!: string;

  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version!: number;
}

export class ListTokensQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({ description: 'Only tokens neither revoked nor expired.' })
  @IsOptional()
  @Type(() => String)
  @IsIn(['true', 'false'])
  active?: string;
}

export class IssueTokenDto {
  @ApiProperty()
  @IsUUID('all')
  userId!: string;

  @ApiProperty({
    example: 'example integration',
    description: 'Unique among the user’s active tokens.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label!: string;

  @ApiProperty({ example: 90, description: 'Days until it expires (at most TOKEN_MAX_DAYS).' })
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays!: number;
}

export class UserGrantDto {
  @ApiProperty() role!: string;
  @ApiProperty() orgUnitId!: string;
  @ApiProperty() orgUnitName!: string;
}

export class UserDto {
  @ApiProperty() id!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) loginName!: string | null;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) memberId!: string | null;
  @ApiProperty() disabled!: boolean;
  @ApiProperty() mustChangePassword!: boolean;
  @ApiProperty({ type: [UserGrantDto] }) grants!: UserGrantDto[];
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedUserDto extends UserDto {
  @ApiPropertyOptional({ description: 'The generated first password, answered once.' })
  initialPassword?: string;
}

export class UserListDto {
  @ApiProperty({ type: [UserDto] }) items!: UserDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

export class TokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() userName!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) label!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty() wellKnown!: boolean;
}

export class IssuedTokenDto extends TokenDto {
  @ApiProperty({
    description: 'The token, answered once (only its hash is kept).',
    example: 'bf_example',
  })
  token!: string;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}
