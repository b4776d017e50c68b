import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  CancelInstanceDto,
  InstanceDiagramDto,
  InstanceDto,
  InstanceHistoryDto,
  InstanceListDto,
  ListInstancesQueryDto,
} from './dto/instance.dto.js';
import { ResolveIncidentDto, StartInstanceDto } from './dto/start-instance.dto.js';
import { BulkStartDto, BulkStartProgressDto } from './dto/bulk-start.dto.js';
import { BulkStartsService } from './bulk-starts.service.js';
import { InstancesService } from './instances.service.js';

@ApiTags('instances')
@ApiBearerAuth()
@Controller('instances')
export class InstancesController {
  constructor(
    private readonly instances: InstancesService,
    private readonly bulks: BulkStartsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start an instance of the latest version of a template',
    description:
      'In `orgUnitId` (default: the unit you hold a role on, when only one), where you are a ' +
      'secretary, a supervisor or an admin over it; a unit that does not exist and one outside your ' +
      'scope get the same 400 naming `orgUnitId`. ' +
      'A `businessKey` is unique per template within the org unit, whatever state the earlier ' +
      'instance is in: starting the same template in the same unit again with a business key ' +
      'already used there is refused with 409 `DUPLICATE_BUSINESS_KEY` (it is not treated as an ' +
      'idempotent replay that returns the existing instance; look that one up with ' +
      '`GET /api/instances?templateKey=&businessKey=`); the same key in another unit is no ' +
      'duplicate. Keys beginning `theme-day:` or `political-birthday:` belong to the scheduled ' +
      'starts and are refused (400). Without a business key every call starts a new instance. ' +
      'Members the variables name (`memberId`, `memberIds`, `attendance`, ' +
      '`sponsors[].memberId`, `contacts[].memberId`) must be of the unit or below: 400 ' +
      '`INVALID_VARIABLES` naming the variable otherwise, the same for an unknown member.',
  })
  @ApiCreatedResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 403, 404, 409)
  start(@Body() body: StartInstanceDto, @CurrentCaller() caller: Caller): Promise<InstanceDto> {
    return this.instances.start(body, caller);
  }

  @Post('bulk')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Start an instance in every branch of a subtree (a directive), in the background',
    description:
      'One instance of the latest version of `templateKey` in each branch (kind `branch`) at or ' +
      'under `orgUnitId`, each in its own unit, all with `businessKey`; a supervisor over the unit ' +
      '(a unit that does not exist and one outside your scope get the same 400 ' +
      'naming `orgUnitId`; a secretary gets 403). Answered at once (202) with the plan: the ' +
      'workers start the instances in batches, one transaction each; follow them with ' +
      '`GET /api/instances/bulk/:id`. A branch that has an instance of the template with that ' +
      'key already is counted as `existing` and not started again, so sending the same ' +
      'directive twice starts each branch once. At most `BULK_START_MAX` branches (400 naming ' +
      '`orgUnitId` over it). Variables naming members are refused (400).',
  })
  @ApiAcceptedResponse({ type: BulkStartProgressDto })
  @ApiErrors(400, 401, 403, 404)
  startBulk(
    @Body() body: BulkStartDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BulkStartProgressDto> {
    return this.bulks.start(body, caller);
  }

  @Get('bulk/:id')
  @ApiOperation({
    summary: 'How far a bulk start is',
    description:
      'Started, existing, failed and left, summed over its batches; `finishedAt` once every ' +
      'batch is done. Whoever reads its unit; for anyone else it is absent (404).',
  })
  @ApiOkResponse({ type: BulkStartProgressDto })
  @ApiErrors(400, 401, 404)
  bulkProgress(
    @UuidParam() id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<BulkStartProgressDto> {
    return this.bulks.progress(id, caller);
  }

  @Get()
  @ApiOperation({ summary: 'List instances, newest first' })
  @ApiOkResponse({ type: InstanceListDto })
  @ApiErrors(400, 401, 403)
  list(
    @Query() query: ListInstancesQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InstanceListDto> {
    return this.instances.list(query, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an instance with its open tasks and incidents' })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 403, 404)
  get(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<InstanceDto> {
    return this.instances.get(id, caller);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'The instance’s audit events, in order' })
  @ApiOkResponse({ type: InstanceHistoryDto })
  @ApiErrors(400, 401, 403, 404)
  history(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<InstanceHistoryDto> {
    return this.instances.history(id, caller);
  }

  @Get(':id/diagram')
  @ApiOperation({
    summary: 'The instance’s diagram and where it stands, per element',
    description:
      'The BPMN XML of the template version the instance runs, with its template’s and unit’s ' +
      'names, and per element how many times it completed, how many of its element instances ' +
      'run now (active) and its open incidents; elements that never ran are not listed. ' +
      'Whoever reads the instance; for anyone else it is absent (404).',
  })
  @ApiOkResponse({ type: InstanceDiagramDto })
  @ApiErrors(400, 401, 403, 404)
  diagram(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<InstanceDiagramDto> {
    return this.instances.diagram(id, caller);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel an instance',
    description:
      'Terminates everything still running; 409 when it has already ended. A secretary of the ' +
      'instance’s unit or a supervisor over it; the reason (optional) is kept in its history.',
  })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 403, 404, 409)
  cancel(
    @UuidParam() id: string,
    @Body() body: CancelInstanceDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InstanceDto> {
    return this.instances.cancel(id, caller, body?.reason);
  }

  @Post(':id/incidents/:incidentKey/resolve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Resolve an incident: set variables (optional) and retry what failed',
    description:
      'Retries the failed activation (e.g. a service task whose job failed for good gets a new ' +
      'job), completion or multi-instance decision. A secretary of the instance’s unit or a ' +
      'supervisor over it.',
  })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 403, 404, 409)
  resolveIncident(
    @UuidParam() id: string,
    @Param('incidentKey') incidentKey: string,
    @Body() body: ResolveIncidentDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InstanceDto> {
    return this.instances.resolveIncident(id, incidentKey, body, caller);
  }
}
