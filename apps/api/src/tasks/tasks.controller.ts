import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import { InstanceDto } from '../instances/dto/instance.dto.js';
import {
  CompleteTaskDto,
  ListTasksQueryDto,
  TaskDetailDto,
  TaskDto,
  TaskListDto,
} from './dto/task.dto.js';
import { TasksService } from './tasks.service.js';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({
    summary: 'List tasks (user tasks unless `kind=service`), due first, paginated',
  })
  @ApiOkResponse({ type: TaskListDto })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListTasksQueryDto, @CurrentCaller() caller: Caller): Promise<TaskListDto> {
    return this.tasks.list(query, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a task, with its form schema when it has one' })
  @ApiOkResponse({ type: TaskDetailDto })
  @ApiErrors(400, 401, 403, 404)
  get(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<TaskDetailDto> {
    return this.tasks.get(id, caller);
  }

  @Post(':id/claim')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Claim an open task',
    description:
      'Only a user the task is assigned or offered to; a service task’s job is not a ' +
      'person’s to claim (404, as a missing task). ' +
      'Idempotent for the same user; 409 `TASK_CLAIMED` when someone else holds it, ' +
      '409 `TASK_NOT_OPEN` when it is completed or cancelled.',
  })
  @ApiOkResponse({ type: TaskDto })
  @ApiErrors(400, 401, 403, 404, 409)
  claim(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<TaskDto> {
    return this.tasks.claim(id, caller);
  }

  @Post(':id/complete')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Complete an open task; answers the instance as it is afterwards',
    description:
      'When the task has a form (`zeebe:formDefinition formId`, file `forms/<formId>.form`), the ' +
      'values are checked against it first: 400 `INVALID_VARIABLES` with one detail per field. ' +
      '409 `TASK_NOT_OPEN` when the task is already completed or cancelled (of two concurrent ' +
      'completions exactly one succeeds), 409 `TASK_CLAIMED` when someone else claimed it. ' +
      'Members the values name (`memberId`, `memberIds`, `attendance`, `sponsors[].memberId`, ' +
      '`contacts[].memberId`) must be of the instance’s org unit or below (400 otherwise). A ' +
      'service task’s job is completed by its worker only: here it is 404, as a missing task. ' +
      'The reply is the instance as the caller reads it: whole for a secretary or supervisor ' +
      'of its unit; for a member, only the variables the task’s form shows, the open tasks ' +
      'assigned or offered to them, and no incidents.',
  })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 403, 404, 409)
  complete(
    @UuidParam() id: string,
    @Body() body: CompleteTaskDto,
    @CurrentCaller() caller: Caller,
  ): Promise<InstanceDto> {
    return this.tasks.complete(id, body, caller);
  }
}
