import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CheckResultDto {
  @ApiProperty({ enum: ['postgres', 'redis'] })
  check!: 'postgres' | 'redis';

  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiProperty({ description: 'How long the check took.' })
  latencyMs!: number;

  @ApiPropertyOptional({ description: 'Why it is down.' })
  message?: string;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ type: [CheckResultDto] })
  checks!: CheckResultDto[];
}
