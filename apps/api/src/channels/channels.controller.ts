import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  ChannelDeliveryListDto,
  ChannelDto,
  ChannelListDto,
  ChannelTestDto,
  CreateChannelDto,
  DeleteChannelQueryDto,
  UpdateChannelDto,
} from './dto/channel.dto.js';
import { ChannelsService } from './channels.service.js';
import { UnitIdPipe } from './unit-id.pipe.js';

@ApiTags('channels')
@ApiBearerAuth()
@Controller('org-units/:id/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOperation({ summary: "The unit's notification channels (admin of the unit)" })
  @ApiOkResponse({ type: ChannelListDto })
  @ApiErrors(400, 401, 403, 404)
  list(
    @Param('id', UnitIdPipe) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ChannelListDto> {
    return this.channels.list(id, caller);
  }

  @Post()
  @ApiOperation({ summary: 'Register a WeCom or DingTalk group robot on the unit' })
  @ApiOkResponse({ type: ChannelDto })
  @ApiErrors(400, 401, 403, 404, 409, 422)
  create(
    @Param('id', UnitIdPipe) id: string,
    @Body() body: CreateChannelDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ChannelDto> {
    return this.channels.create(id, body, caller);
  }

  @Patch(':channelId')
  @ApiOperation({ summary: 'Change a channel (names the version read)' })
  @ApiOkResponse({ type: ChannelDto })
  @ApiErrors(400, 401, 403, 404, 409, 422)
  update(
    @Param('id', UnitIdPipe) id: string,
    @UuidParam('channelId') channelId: string,
    @Body() body: UpdateChannelDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ChannelDto> {
    return this.channels.update(id, channelId, body, caller);
  }

  @Delete(':channelId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a channel (names the version read); its deliveries stay' })
  @ApiErrors(400, 401, 403, 404, 409)
  async remove(
    @Param('id', UnitIdPipe) id: string,
    @UuidParam('channelId') channelId: string,
    @Query() query: DeleteChannelQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.channels.remove(id, channelId, query.version, caller);
  }

  @Post(':channelId/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Send a test message now; answers the channel's reply" })
  @ApiOkResponse({ type: ChannelTestDto })
  @ApiErrors(400, 401, 403, 404)
  test(
    @Param('id', UnitIdPipe) id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ChannelTestDto> {
    return this.channels.test(id, channelId, caller);
  }

  @Get(':channelId/deliveries')
  @ApiOperation({ summary: 'The latest notices to a channel and how each delivery went' })
  @ApiOkResponse({ type: ChannelDeliveryListDto })
  @ApiErrors(400, 401, 403, 404)
  deliveries(
    @Param('id', UnitIdPipe) id: string,
    @UuidParam('channelId') channelId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ChannelDeliveryListDto> {
    return this.channels.deliveries(id, channelId, caller);
  }
}
