import type { Env } from '@app/config';
import { ENV } from '@app/runtime';
import { RuntimeException, RuntimeExceptionCode } from '@app/store';
import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
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
import { problemsSummary } from '../common/messages.js';
import { isMultipart } from '../common/multipart.js';
import { FORM_ID, readDeployParts } from './deploy-parts.js';
import {
  DeployQueryDto,
  DeployResultDto,
  ListTemplatesQueryDto,
  TemplateDetailDto,
  TemplateListDto,
  TemplateVersionListDto,
  TemplateVersionQueryDto,
} from './dto/template.dto.js';
import { TEMPLATE_MANAGERS, TemplatesService } from './templates.service.js';

const READERS =
  'Integrators, secretaries, supervisors and admins read every template. Anyone else (members) reads ' +
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
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Deploy a BPMN file with its forms',
    description:
      'Either the BPMN 2.0 XML alone (Content-Type application/xml or text/xml, at most 5 MB), ' +
      'or a bundle as JSON (application/json, at most 1 MB): `{ "bpmn": "<xml>", "forms": ' +
      '{ "<formId>": { …form-js schema… } } }`, or the files themselves as multipart/form-data: ' +
      'one `.bpmn` file part and at most 100 `.form` file parts, the file name (without `.form`) ' +
      'giving the form id, at most 5 MB in all and FORM_MAX_BYTES a form (413 ' +
      'MULTIPART_FILE_TOO_LARGE); no `.bpmn`, two, a part of another name, a repeated form id ' +
      'or a text field is 400 DEPLOY_BODY_INVALID naming the part, a 102nd file 400 ' +
      'MULTIPART_TOO_MANY_FILES, a malformed body 400 MULTIPART_MALFORMED; the `.bpmn` file ' +
      "name is the deployment's name unless `?name=` gives one. Every form a user task names " +
      '(`zeebe:formDefinition formId`) is taken from `forms`, else from the latest deployment ' +
      'that carried it; a form found in neither, or not valid form-js, refuses the file (422 ' +
      'TEMPLATE_INVALID, a detail naming the user task and the form). The deployment keeps its ' +
      "forms: a task shows the form of its instance's version, and a changed form is a new " +
      'version. Each executable process becomes a new version of its key (the process id). ' +
      'Deploying the same file and forms again changes nothing and answers 200 with ' +
      '`created: false`. An invalid file is refused whole with 422 and one detail per problem. ' +
      'Only integrators deploy (403).',
  })
  @ApiConsumes('application/xml', 'text/xml', 'application/json', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          description:
            'multipart/form-data: one `.bpmn` file part and its `.form` file parts (any field ' +
            'name; a form file called `theme-day-plan.form` is the form `theme-day-plan`).',
          properties: {
            files: { type: 'array', items: { type: 'string', format: 'binary' } },
          },
        },
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
    const { bpmn, forms, fileName } = isMultipart(request)
      ? await readDeployParts(request, this.env.FORM_MAX_BYTES, this.env.JSON_MAX_DEPTH)
      : typeis(request.raw, ['application/json'])
        ? { ...deployBundle(body), fileName: undefined }
        : typeis(request.raw, XML_MEDIA_TYPES)
          ? { bpmn: body, forms: {}, fileName: undefined }
          : unsupported();
    if (typeof bpmn !== 'string' || bpmn.trim() === '') {
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        '请求体是空的：请上传 BPMN 文件',
        [{ field: 'body', message: '必须是 BPMN 2.0 XML' }],
        'DEPLOY_BODY_INVALID',
      );
    }
    const result = await this.templates.deploy(
      query.name ?? fileName ?? 'upload.bpmn',
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
  @ApiErrors(400, 401, 403)
  async list(
    @Query() query: ListTemplatesQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<TemplateListDto> {
    if (query.counts === true) {
      await this.access.assertRole(caller, TEMPLATE_MANAGERS, 'counting instances per template');
    }
    const items = await this.templates.list(caller.principal, query.counts === true);
    return { items, total: items.length };
  }

  @Get(':key/versions')
  @ApiOperation({
    summary: 'Every version of a template, with its forms and the instances on it',
    description:
      'Newest first; each version with who deployed it (by name), the forms its deployment ' +
      'carries and its instances running / completed / terminated in the units below your ' +
      'integrator or admin grants. Integrators and admins only (403); an unknown key is 404.',
  })
  @ApiOkResponse({ type: TemplateVersionListDto })
  @ApiErrors(401, 403, 404)
  async versions(
    @Param('key') key: string,
    @CurrentCaller() caller: Caller,
  ): Promise<TemplateVersionListDto> {
    await this.access.assertRole(caller, TEMPLATE_MANAGERS, 'reading the versions of a template');
    const items = await this.templates.versions(key, caller.principal);
    if (items.length === 0) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
        `no template '${key}' is deployed`,
      );
    }
    return { items };
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

function unsupported(): never {
  throw new HttpProblem(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    '请以 application/xml 或 text/xml 上传 BPMN 文件，以 application/json 上传 { bpmn, forms }，或以 multipart/form-data 上传 .bpmn 和 .form 文件',
    undefined,
    'DEPLOY_MEDIA_TYPE',
  );
}

/** A JSON bundle `{ bpmn, forms? }`, checked field by field (400 DEPLOY_BODY_INVALID). */
function deployBundle(body: unknown): { bpmn: unknown; forms: Record<string, unknown> } {
  const problems: { field: string; message: string }[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push({ field: 'body', message: '必须是对象 { bpmn, forms }' });
  } else {
    const { bpmn, forms, ...rest } = body as Record<string, unknown>;
    for (const field of Object.keys(rest)) {
      problems.push({ field, message: `不接受字段 ${field}（只接受 bpmn 和 forms）` });
    }
    if (typeof bpmn !== 'string' || bpmn.trim() === '') {
      problems.push({ field: 'bpmn', message: 'bpmn 必须是 BPMN 2.0 XML 文本' });
    }
    if (forms !== undefined) {
      if (typeof forms !== 'object' || forms === null || Array.isArray(forms)) {
        problems.push({ field: 'forms', message: 'forms 必须是对象：表单编号 → form-js 表单' });
      } else {
        for (const [formId, form] of Object.entries(forms)) {
          if (!FORM_ID.test(formId)) {
            problems.push({
              field: `forms.${formId.slice(0, 60)}`,
              message: '表单编号只能包含字母、数字和 . : - _，最多 200 个字符',
            });
          } else if (typeof form !== 'object' || form === null || Array.isArray(form)) {
            problems.push({
              field: `forms.${formId}`,
              message: '必须是 form-js 表单（一个对象）',
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
    problemsSummary('部署内容有误', problems),
    problems,
    'DEPLOY_BODY_INVALID',
  );
}
