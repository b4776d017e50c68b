import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ChannelDeliveryDto } from '../../channels/dto/channel.dto.js';
import { PageQueryDto } from '../../common/pagination.dto.js';

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Only notifications to this recipient (your user id, your member id, or `group:<role>` of a role you hold). Default: all of yours.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  recipient?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'true: unread only.' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class NotificationDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  recipient!: string;

  @ApiProperty({ example: 'task.reminder' })
  kind!: string;

  @ApiProperty({ type: String, nullable: true })
  taskId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  instanceId!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The ledger item (台账事项) of the notice's step, if the step keeps one.",
  })
  ledgerItemId!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readAt!: Date | null;

  @ApiPropertyOptional({
    type: [ChannelDeliveryDto],
    description:
      "In the list: the notice's deliveries to group robots (pending, retrying, sent, failed with the channel's answer).",
  })
  deliveries?: ChannelDeliveryDto[];
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] })
  items!: NotificationDto[];

  @ApiProperty({ description: 'How many match the query.' })
  total!: number;

  @ApiProperty({ description: 'How many of the recipient’s notifications are unread.' })
  unread!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  pageSize!: number;
}
