import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class VerifyAuditQueryDto {
  @ApiPropertyOptional({
    description:
      'Verify one stream only: an instance id, `ledger:<item id>` (a hand-opened ledger item), ' +
      'or `system` (deployments, org changes, refusals, checkpoints).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  stream?: string;
}

export class BrokenLinkDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The audit event’s id; null when the link is missing (deleted events or stream).',
  })
  id!: string | null;

  @ApiProperty()
  stream!: string;

  @ApiProperty({ description: 'The event’s seq, or the first missing one.' })
  seq!: number;

  @ApiProperty({
    example: 'events 4–5 are missing: the head is at seq 5, the events end at 3',
  })
  reason!: string;
}

export class AuditVerificationDto {
  @ApiProperty({
    description:
      'Every chain recomputed and intact, ending at its head, reaching its checkpoint anchor.',
  })
  ok!: boolean;

  @ApiProperty({ description: 'Streams checked (one per instance, plus `system`).' })
  streams!: number;

  @ApiProperty({ description: 'Events verified before the first broken link (or all).' })
  events!: number;

  @ApiProperty({ type: BrokenLinkDto, nullable: true, description: 'The first broken link.' })
  broken!: BrokenLinkDto | null;
}
