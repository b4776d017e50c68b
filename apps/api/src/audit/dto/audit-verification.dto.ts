import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class VerifyAuditQueryDto {
  @ApiPropertyOptional({
    description: 'Verify one stream only: an instance id, or `system` (deployments).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  stream?: string;
}

export class BrokenLinkDto {
  @ApiProperty({ description: 'The audit event’s id.' })
  id!: string;

  @ApiProperty()
  stream!: string;

  @ApiProperty()
  seq!: number;

  @ApiProperty({ example: 'hash does not match the event’s content' })
  reason!: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'Every chain recomputed and intact.' })
  ok!: boolean;

  @ApiProperty({ description: 'Streams checked (one per instance, plus `system`).' })
  streams!: number;

  @ApiProperty({ description: 'Events verified before the first broken link (or all).' })
  events!: number;

  @ApiProperty({ type: BrokenLinkDto, nullable: true, description: 'The first broken link.' })
  broken!: BrokenLinkDto | null;
}
