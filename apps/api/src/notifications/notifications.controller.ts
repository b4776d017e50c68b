import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationListDto,
} from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'A recipient’s inbox, newest first' })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiErrors(400)
  list(@Query() query: ListNotificationsQueryDto): Promise<NotificationListDto> {
    return this.notifications.list(query);
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark a notification read (idempotent)' })
  @ApiOkResponse({ type: NotificationDto })
  @ApiErrors(400, 404)
  markRead(@UuidParam() id: string): Promise<NotificationDto> {
    return this.notifications.markRead(id);
  }
}
