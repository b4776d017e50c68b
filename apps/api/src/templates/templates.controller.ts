import { Body, Controller, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiBearerAuth,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import typeis from 'type-is';
import { AccessService } from '../auth/access.service.js';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { HttpProblem } from '../common/http-problem.js';
import {
  DeployQueryDto,
  DeployResultDto,
  TemplateDetailDto,
  TemplateListDto,
  TemplateVersionQueryDto,
} from './dto/template.dto.js';
import { TemplatesService } from './templates.service.js';

const READERS =
  'Integrators, secretaries and supervisors read every template. Anyone else (members) reads ' +
  'only the templates of instances in which they have an open task, in that version; any ' +
  'other template is answered 404, as one that is not deployed.';

/** The media types a BPMN upload may be sent as (the text parser accepts exactly these). */
export const XML_MEDIA_TYPES = ['application/xml', 'text/xml', 'application/*+xml'];

@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly access: AccessService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Deploy a BPMN file',
    description:
      'The body is the BPMN 2.0 XML (Content-Type application/xml or text/xml, at most 5 MB). ' +
      'Each executable process becomes a new version of its key (the process id). Deploying ' +
      'the same file again changes nothing and answers 200 with `created: false`. An invalid ' +
      'file is refused whole with 422 and one detail per problem. Only integrators deploy (403).',
  })
  @ApiConsumes('application/xml', 'text/xml')
  @ApiBody({ schema: { type: 'string', example: '<?xml version="1.0"?><bpmn:definitions …>' } })
  @ApiCreatedResponse({ type: DeployResultDto, description: 'A new version was deployed.' })
  @ApiOkResponse({ type: DeployResultDto, description: 'Unchanged: already deployed.' })
  @ApiErrors(400, 401, 403, 415, 422)
  async deploy(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @Query() query: DeployQueryDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<DeployResultDto> {
    await this.access.assertRole(caller, ['integrator'], 'deploying a template');
    if (!typeis(request.raw, XML_MEDIA_TYPES)) {
      throw new HttpProblem(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'send the BPMN file as application/xml or text/xml',
      );
    }
    if (typeof body !== 'string' || body.trim() === '') {
      throw new HttpProblem(HttpStatus.BAD_REQUEST, 'the request body is empty', [
        { field: 'body', message: 'must be BPMN 2.0 XML' },
      ]);
    }
    const result = await this.templates.deploy(
      query.name ?? 'upload.bpmn',
      body,
      actorOf(caller.principal),
    );
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result;
  }

  @Get()
  @ApiOperation({
    summary: 'List templates (the latest version of each key)',
    description: READERS,
  })
  @ApiOkResponse({ type: TemplateListDto })
  async list(@CurrentCaller() caller: Caller): Promise<TemplateListDto> {
    const items = await this.templates.list(caller.principal);
    return { items, total: items.length };
  }

  @Get(':key')
  @ApiOperation({
    summary: 'Get a template: its latest version (or `?version=`) and its XML',
    description: READERS,
  })
  @ApiOkResponse({ type: TemplateDetailDto })
  @ApiErrors(400, 401, 404)
  get(
    @Param('key') key: string,
    @Query() query: TemplateVersionQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<TemplateDetailDto> {
    return this.templates.get(key, query.version, caller.principal, (reason, absent) =>
      this.access.conceal(caller.principal, caller, reason, absent),
    );
  }
}
