import type { JsonValue } from '@app/feel';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OptionalJsonObject } from '../../common/json-object.js';

export class StartInstanceDto {
  @ApiProperty({
    description: 'Key (BPMN process id) of the template.',
    example: 'theme-day',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  templateKey!: string;

  @ApiPropertyOptional({
    description:
      'Unique per template within the org unit: a second instance of the same template in the ' +
      'same unit with this key is refused (409). Keys beginning `theme-day:` or ' +
      '`political-birthday:` are the scheduled starts’ and refused (400).',
    example: 'secretary-project:2026-q1',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  businessKey?: string;

  @ApiPropertyOptional({ description: 'The organisation unit the instance belongs to.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  orgUnitId?: string;

  @OptionalJsonObject('Start variables (a JSON object).', { branch: 'branch-7' })
  variables?: Record<string, JsonValue>;
}

export class ResolveIncidentDto {
  @OptionalJsonObject('Variables set before the retry (e.g. the one a failed expression lacked).', {
    retries: 3,
  })
  variables?: Record<string, JsonValue>;
}
