import type { JsonValue } from '@app/feel';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { OptionalJsonObject } from '../../common/json-object.js';

/** A directive to every branch of a subtree: one instance per branch. */
export class BulkStartDto {
  @ApiProperty({ description: 'Key (BPMN process id) of the template.', example: 'directive' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  templateKey!: string;

  @ApiProperty({
    description:
      'The subtree: every branch (kind `branch`) at or under this unit gets an instance in its ' +
      'own unit.',
    example: 'general-rd',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  orgUnitId!: string;

  @ApiProperty({
    description:
      'The business key of every instance: unique per template within a unit, so a branch that ' +
      'has an instance with this key already is counted as existing, not started again (a ' +
      'directive sent twice starts each branch once). Keys beginning `theme-day:` or ' +
      '`political-birthday:` are the scheduled starts’ and refused (400).',
    example: 'directive:2027-01-study',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  businessKey!: string;

  @OptionalJsonObject(
    'Start variables of every instance (a JSON object). Variables that name members ' +
      '(`memberId`, `memberIds`, `attendance`, `sponsors`, `contacts`) are refused: a member is ' +
      'of one branch, a directive goes to many.',
    { topic: '学习贯彻党的二十届四中全会精神' },
  )
  variables?: Record<string, JsonValue>;
}

/** How far a bulk start is. */
export class BulkStartProgressDto {
  @ApiProperty({ description: 'Ask GET /api/instances/bulk/:id for its progress.' })
  id!: string;

  @ApiProperty({ enum: ['kickoff', 'directive'] })
  kind!: 'kickoff' | 'directive';

  @ApiProperty()
  templateKey!: string;

  @ApiProperty({ type: String, nullable: true })
  templateName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The subtree (null: the kick-off).' })
  orgUnitId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  orgUnitName!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ description: 'Starts planned: one per branch.' })
  total!: number;

  @ApiProperty({ description: 'Instances started so far.' })
  started!: number;

  @ApiProperty({ description: 'Branches that had an instance with the business key already.' })
  existing!: number;

  @ApiProperty({ description: 'Starts the engine refused.' })
  failed!: number;

  @ApiProperty({ description: 'Starts not yet run.' })
  left!: number;

  @ApiProperty()
  batches!: number;

  @ApiProperty()
  batchesDone!: number;

  @ApiProperty({ type: String, nullable: true, description: 'The first refusal, in words.' })
  error!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When its last batch was done (null while any is left).',
  })
  finishedAt!: string | null;
}
