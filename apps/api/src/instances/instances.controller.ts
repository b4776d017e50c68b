import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ACTOR_HEADER, Actor } from '../common/actor.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  InstanceDto,
  InstanceHistoryDto,
  InstanceListDto,
  ListInstancesQueryDto,
} from './dto/instance.dto.js';
import { StartInstanceDto } from './dto/start-instance.dto.js';
import { InstancesService } from './instances.service.js';

@ApiTags('instances')
@Controller('instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post()
  @ApiOperation({
    summary: 'Start an instance of the latest version of a template',
    description:
      'A `businessKey` is unique per template, whatever state the earlier instance is in: ' +
      'starting the same template again with a business key already used is refused with ' +
      '409 `DUPLICATE_BUSINESS_KEY` (it is not treated as an idempotent replay that returns ' +
      'the existing instance; look that one up with `GET /api/instances?templateKey=&businessKey=`). ' +
      'Without a business key every call starts a new instance.',
  })
  @ApiHeader({ name: ACTOR_HEADER, required: false, description: 'Who starts it (audit).' })
  @ApiCreatedResponse({ type: InstanceDto })
  @ApiErrors(400, 404, 409)
  start(@Body() body: StartInstanceDto, @Actor() actor: string): Promise<InstanceDto> {
    return this.instances.start(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List instances, newest first' })
  @ApiOkResponse({ type: InstanceListDto })
  @ApiErrors(400)
  list(@Query() query: ListInstancesQueryDto): Promise<InstanceListDto> {
    return this.instances.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an instance with its open tasks and incidents' })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 404)
  get(@UuidParam() id: string): Promise<InstanceDto> {
    return this.instances.get(id);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The instance’s audit events, in order' })
  @ApiOkResponse({ type: InstanceHistoryDto })
  @ApiErrors(400, 404)
  history(@UuidParam() id: string): Promise<InstanceHistoryDto> {
    return this.instances.history(id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel an instance',
    description: 'Terminates everything still running; 409 when it has already ended.',
  })
  @ApiHeader({ name: ACTOR_HEADER, required: false, description: 'Who cancels it (audit).' })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 404, 409)
  cancel(@UuidParam() id: string, @Actor() actor: string): Promise<InstanceDto> {
    return this.instances.cancel(id, actor);
  }
}
