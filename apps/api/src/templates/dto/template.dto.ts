import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class DeployQueryDto {
  @ApiPropertyOptional({
    description: 'File name recorded with the deployment (default `upload.bpmn`).',
    example: 'theme-day.bpmn',
  })
  @IsOptional()
  @Matches(/^[\w.\- ]{1,200}$/, {
    message: 'name 只能包含字母、数字、空格和 . - _，最多 200 个字符',
  })
  name?: string;
}

export class TemplateVersionQueryDto {
  @ApiPropertyOptional({
    description: 'A version other than the latest.',
    minimum: 1,
    maximum: 2_147_483_647,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // versions are int4: a larger number is no version, and would fail in PostgreSQL
  @Max(2_147_483_647)
  version?: number;
}

export class DeployedProcessDto {
  @ApiProperty({ description: 'Id of this process definition (one version of one key).' })
  id!: string;

  @ApiProperty({ description: 'The BPMN process id.', example: 'theme-day' })
  key!: string;

  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ description: 'false when this exact file was already the latest version.' })
  created!: boolean;
}

export class DeployResultDto extends DeployedProcessDto {
  @ApiProperty({ type: String, nullable: true, description: 'null when nothing was deployed.' })
  deploymentId!: string | null;

  @ApiProperty({ description: 'sha256 of the file and the forms it names.' })
  checksum!: string;

  @ApiProperty({
    type: [String],
    description: 'The forms the deployment carries (every form its user tasks name).',
    example: ['theme-day-plan', 'theme-day-record'],
  })
  forms!: string[];

  @ApiProperty({
    type: [DeployedProcessDto],
    description: 'Every executable process of the file (the top level repeats the first).',
  })
  processes!: DeployedProcessDto[];
}

export class TemplateDto {
  @ApiProperty({ description: 'Id of this process definition.' })
  id!: string;

  @ApiProperty({ example: 'theme-day' })
  key!: string;

  @ApiProperty({ description: 'The latest version (or the one asked for).' })
  version!: number;

  @ApiProperty({ description: 'How many versions of this key exist.' })
  versions!: number;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty()
  checksum!: string;

  @ApiProperty()
  deploymentId!: string;

  @ApiProperty({ description: 'File name the version was deployed from.' })
  file!: string;

  @ApiProperty()
  deployedBy!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  deployedAt!: Date;
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateDto] })
  items!: TemplateDto[];

  @ApiProperty()
  total!: number;
}

export class TemplateDetailDto extends TemplateDto {
  @ApiProperty({ description: 'The BPMN XML, as deployed.' })
  xml!: string;
}
