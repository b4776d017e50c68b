import { ApiProperty } from '@nestjs/swagger';

export class SampleUserDto {
  @ApiProperty({ example: 'secretary.branch-rd', description: 'The login name to type.' })
  loginName!: string;
  @ApiProperty({ example: '王建国' })
  name!: string;
  @ApiProperty({
    enum: ['secretary', 'member', 'supervisor', 'integrator', 'admin'],
    description: 'The role of the user’s first grant (for machines).',
  })
  role!: string;
  @ApiProperty({ example: '书记', description: 'The user’s roles as a person reads them.' })
  roleName!: string;
  @ApiProperty({ example: '研发中心党支部', description: 'The unit of the first grant.' })
  orgUnitName!: string;
}

export class SampleUsersDto {
  @ApiProperty({ type: [SampleUserDto] })
  items!: SampleUserDto[];
}
