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
    summary: 'Deploy a BPMN file with its forms',
    description:
      'Either the BPMN 2.0 XML alone (Content-Type application/xml or text/xml, at most 5 MB), ' +
      'or a bundle as JSON (application/json, at most 1 MB): `{ "bpmn": "<xml>", "forms": ' +
      '{ "<formId>": { …form-js schema… } } }`. Every form a user task names ' +
      '(`zeebe:formDefinition formId`) is taken from `forms`, else from the latest deployment ' +
      'that carried it; a form found in neither, or not valid form-js, refuses the file (422 ' +
      'TEMPLATE_INVALID, a detail naming the user task and the form). The deployment keeps its ' +
      "forms: a task shows the form of its instance's version, and a changed form is a new " +
      'version. Each executable process becomes a new version of its key (the process id). ' +
      'Deploying the same file and forms again changes nothing and answers 200 with ' +
      '`created: false`. An invalid file is refused whole with 422 and one detail per problem. ' +
      'Only integrators deploy (403).',
  })
  @ApiConsumes('application/xml', 'text/xml', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'string', example: '<?xml version="1.0"?><bpmn:definitions …>' },
        {
          type: 'object',
          required: ['bpmn'],
          properties: {
            bpmn: { type: 'string', description: 'The BPMN 2.0 XML.' },
            forms: {
              type: 'object',
              description: "Form id → form-js schema (the `.form` file's JSON).",
              additionalProperties: { type: 'object' },
            },
          },
          example: {
            bpmn: '<?xml version="1.0"?><bpmn:definitions …>',
            forms: { 'theme-day-plan': { type: 'default', components: [] } },
          },
        },
      ],
    },
  })
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
    const { bpmn, forms } = typeis(request.raw, ['application/json'])
      ? deployBundle(body)
      : typeis(request.raw, XML_MEDIA_TYPES)
        ? { bpmn: body, forms: {} }
        : unsupported();
    if (typeof bpmn !== 'string' || bpmn.trim() === '') {
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        'the request body is empty',
        [{ field: 'body', message: 'must be BPMN 2.0 XML' }],
        'DEPLOY_BODY_INVALID',
      );
    }
    const result = await this.templates.deploy(
      query.name ?? 'upload.bpmn',
      bpmn,
      actorOf(caller.principal),
      forms,
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

/** Form ids: what `zeebe:formDefinition formId` may name (and a `.form` file is called). */
const FORM_ID = /^[\w.:-]{1,200}$/;

function unsupported(): never {
  throw new HttpProblem(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'send the BPMN file as application/xml or text/xml, or a bundle { bpmn, forms } as application/json',
    undefined,
    'DEPLOY_MEDIA_TYPE',
  );
}

/** A JSON bundle `{ bpmn, forms? }`, checked field by field (400 DEPLOY_BODY_INVALID). */
function deployBundle(body: unknown): { bpmn: unknown; forms: Record<string, unknown> } {
  const problems: { field: string; message: string }[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push({ field: 'body', message: 'must be an object { bpmn, forms }' });
  } else {
    const { bpmn, forms, ...rest } = body as Record<string, unknown>;
    for (const field of Object.keys(rest)) {
      problems.push({ field, message: 'is not accepted (only bpmn and forms)' });
    }
    if (typeof bpmn !== 'string' || bpmn.trim() === '') {
      problems.push({ field: 'bpmn', message: 'must be BPMN 2.0 XML (a string)' });
    }
    if (forms !== undefined) {
      if (typeof forms !== 'object' || forms === null || Array.isArray(forms)) {
        problems.push({ field: 'forms', message: 'must be an object: form id → form-js schema' });
      } else {
        for (const [formId, form] of Object.entries(forms)) {
          if (!FORM_ID.test(formId)) {
            problems.push({
              field: `forms.${formId.slice(0, 60)}`,
              message: 'a form id may hold letters, digits, ., :, - and _ (at most 200)',
            });
          } else if (typeof form !== 'object' || form === null || Array.isArray(form)) {
            problems.push({
              field: `forms.${formId}`,
              message: 'must be a form-js schema (an object)',
            });
          }
        }
      }
    }
    if (problems.length === 0) {
      return { bpmn, forms: (forms ?? {}) as Record<string, unknown> };
    }
  }
  throw new HttpProblem(
    HttpStatus.BAD_REQUEST,
    'the deployment bundle is invalid',
    problems,
    'DEPLOY_BODY_INVALID',
  );
}
