import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

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

export class ListTemplatesQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description:
      'Each template with `running`: its instances running (active or with an incident, every ' +
      'version) in the units below your integrator or admin grants. Integrators and admins ' +
      'only (403 otherwise).',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'counts 必须是 true 或 false' })
  counts?: boolean;
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

  @ApiProperty({ description: 'Who deployed it (a user id, or `system:startup`).' })
  deployedBy!: string;

  @ApiProperty({
    description: 'Who deployed it, for people: the user’s name, or 系统（启动时部署）.',
    example: '流程模板管理员',
  })
  deployedByName!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  deployedAt!: Date;
}

export class TemplateListItemDto extends TemplateDto {
  @ApiPropertyOptional({
    description: 'With `?counts=true`: instances running on any version (see the query).',
  })
  running?: number;
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateListItemDto] })
  items!: TemplateListItemDto[];

  @ApiProperty()
  total!: number;
}

export class TemplateDetailDto extends TemplateDto {
  @ApiProperty({ description: 'The BPMN XML, as deployed.' })
  xml!: string;
}

export class TemplateVersionDto extends TemplateDto {
  @ApiProperty({
    type: [String],
    description: 'The forms its deployment carries (form ids).',
    example: ['theme-day-plan'],
  })
  forms!: string[];

  @ApiProperty({ description: 'Instances on this version running (active or with an incident).' })
  running!: number;

  @ApiProperty({ description: 'Instances on this version completed.' })
  completed!: number;

  @ApiProperty({ description: 'Instances on this version cancelled (terminated).' })
  terminated!: number;
}

export class TemplateVersionListDto {
  @ApiProperty({ type: [TemplateVersionDto], description: 'Newest first.' })
  items!: TemplateVersionDto[];
}
