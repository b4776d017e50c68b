import { PASSWORD_MAX_LENGTH } from '@app/org';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'secretary.branch-rd', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  loginName!: string;

  @ApiProperty({ example: 'an example password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty({ description: 'The password in use now.', maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  current!: string;

  @ApiProperty({
    description: 'At least 8 characters, not the login name, not one of the commonest passwords.',
    maxLength: PASSWORD_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  new!: string;
}

export class GrantViewDto {
  @ApiProperty({ example: 'secretary' })
  role!: string;
  @ApiProperty({ example: 'branch-rd' })
  orgUnitId!: string;
  @ApiProperty({ example: '研发中心党支部' })
  orgUnitName!: string;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;
  @ApiProperty({ example: '王建国' })
  name!: string;
  @ApiPropertyOptional({ example: 'secretary.branch-rd', nullable: true, type: String })
  loginName!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String })
  memberId!: string | null;
  @ApiProperty({ type: [GrantViewDto] })
  grants!: GrantViewDto[];
  @ApiProperty({ description: 'Only me, password and logout answer until it is changed.' })
  mustChangePassword!: boolean;
  @ApiProperty({ enum: ['session', 'token'] })
  authenticatedBy!: 'session' | 'token';
}

export class LoginResultDto extends MeDto {
  @ApiProperty({
    description:
      'The session token, for API clients (`Authorization: Bearer <token>`); browsers use the httpOnly cookie `bf_session` set with it.',
    example: 'bfs_example',
  })
  token!: string;
  @ApiProperty({ example: '2026-01-01T12:00:00.000Z', description: 'The absolute expiry.' })
  expiresAt!: string;
}
