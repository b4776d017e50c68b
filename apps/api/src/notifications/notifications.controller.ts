import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationListDto,
} from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({
    summary: 'My inbox (to me, or to a group I belong to in my units), newest first',
  })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiErrors(400, 401, 403)
  list(
    @Query() query: ListNotificationsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<NotificationListDto> {
    return this.notifications.list(query, caller);
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark a notification read (idempotent)' })
  @ApiOkResponse({ type: NotificationDto })
  @ApiErrors(400, 401, 403, 404)
  markRead(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<NotificationDto> {
    return this.notifications.markRead(id, caller);
  }
}
