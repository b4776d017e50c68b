import { CHANNEL_KINDS, type ChannelKind } from '@app/org';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

/** No control characters (C0, DEL, C1) in a channel's name. */
// eslint-disable-next-line no-control-regex -- the point is to refuse them
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]+$/;

export class CreateChannelDto {
  @ApiProperty({
    enum: CHANNEL_KINDS,
    description: 'wecom (企业微信) or dingtalk (钉钉) group robot.',
  })
  @IsIn(CHANNEL_KINDS, { message: 'kind must be wecom or dingtalk' })
  kind!: ChannelKind;

  @ApiProperty({ example: '第一支部群', maxLength: 64 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(PRINTABLE, { message: 'name 不能包含控制字符' })
  name!: string;

  @ApiProperty({
    example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example',
    description:
      'The robot webhook URL: https, on a host CHANNEL_HOSTS allows. A secret: answered masked.',
    maxLength: 1024,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  url!: string;

  @ApiPropertyOptional({
    description: 'DingTalk 加签 secret (SEC…); never answered. Only for dingtalk.',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret 必须是不含空格的可打印 ASCII 字符' })
  secret?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}

export class UpdateChannelDto {
  @ApiProperty({ description: 'The version you read: 409 when the channel changed since.' })
  @IsInt({ message: 'version must be a whole number' })
  @Min(1)
  version!: number;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(PRINTABLE, { message: 'name 不能包含控制字符' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  url?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'A new DingTalk 加签 secret; null removes it; absent keeps it.',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret 必须是不含空格的可打印 ASCII 字符' })
  secret?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}

export class DeleteChannelQueryDto {
  @ApiProperty({ description: 'The version you read: 409 when the channel changed since.' })
  @Type(() => Number)
  @IsInt({ message: 'version must be a whole number' })
  @Min(1)
  version!: number;
}

export class ChannelDto {
  @ApiProperty() id!: string;
  @ApiProperty() orgUnitId!: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) kind!: ChannelKind;
  @ApiProperty() name!: string;
  @ApiProperty({
    description: 'Scheme, host and path; every query value (the robot key) is ***.',
    example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***',
  })
  url!: string;
  @ApiProperty({ description: 'A DingTalk 加签 secret is set (never answered).' })
  signed!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty() version!: number;
}

export class ChannelListDto {
  @ApiProperty({ type: [ChannelDto] }) items!: ChannelDto[];
}

export class ChannelTestDto {
  @ApiProperty({ description: 'The channel accepted the message.' }) ok!: boolean;
  @ApiProperty({ description: "The channel's answer: status and body, bounded." })
  answer!: string;
}

export class ChannelDeliveryDto {
  @ApiProperty() id!: string;
  @ApiProperty() notificationId!: string;
  @ApiProperty() channelId!: string;
  @ApiProperty() channelName!: string;
  @ApiProperty() orgUnitId!: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) kind!: ChannelKind;
  @ApiProperty({ enum: ['pending', 'retrying', 'sent', 'failed'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The channel's last answer." })
  answer!: string | null;
  @ApiProperty({ type: Date, nullable: true }) updatedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) sentAt!: Date | null;
}

export class ChannelDeliveryListDto {
  @ApiProperty({ type: [ChannelDeliveryDto] }) items!: ChannelDeliveryDto[];
}
