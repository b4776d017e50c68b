import { EVIDENCE_TYPES, attachmentTooLarge, evidenceType } from '@app/ledger';
import type { Principal } from '@app/org';
import { ENV } from '@app/runtime';
import type { Env } from '@app/config';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { HttpProblem } from '../common/http-problem.js';
import { cleanFileName, isMultipart, readMultipart } from '../common/multipart.js';
import { type BodyErrors, readBody } from '../common/read-body.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  BulkVerifyDto,
  BulkVerifyResultDto,
  CreateLedgerItemDto,
  LedgerAttachmentDto,
  LedgerFilterQueryDto,
  LedgerItemDetailDto,
  LedgerSearchResultDto,
  ListLedgerQueryDto,
  OverdueQueryDto,
  ProgressDto,
  RejectDto,
  ReopenDto,
  RollupDto,
  RollupQueryDto,
  SubmitDto,
  UploadQueryDto,
  VerifyDto,
} from './dto/ledger.dto.js';
import { OverdueListDto } from './dto/unit-rollup.dto.js';
import { ledgerCsv, ledgerXlsx } from './ledger-export.js';
import { LedgerRollupService } from './ledger-rollup.service.js';
import { LedgerService, type RequestInfo } from './ledger.service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const WHO =
  ' Who: the responsible side is a `secretary` covering the item’s unit, or the task’s assignee ' +
  'for task items; supervisors are `supervisor` grants covering the item’s unit or its ' +
  'assessing unit. 403 (audited) otherwise, 404 for an unknown item, 409 with `details.state` ' +
  'when the item is not in a state the step starts from.';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('ledger')
export class LedgerController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly boards: LedgerRollupService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Get('items')
  @ApiOperation({
    summary: 'Search the ledger (挂账销号台账) you may read, by due time, paginated',
    description:
      'Scope: items of the units your secretary / supervisor grants cover, and task items ' +
      'assigned to you. Each item carries its traffic light (亮灯) computed now. 403 when ' +
      '`orgUnitId` is outside your scope.',
  })
  @ApiOkResponse({ type: LedgerSearchResultDto })
  @ApiErrors(400, 401, 403)
  list(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: ListLedgerQueryDto,
  ): Promise<LedgerSearchResultDto> {
    return this.ledger.list(principal, request, query);
  }

  @Post('items')
  @ApiOperation({
    summary: 'Open an item by hand on 问题清单 / 任务清单 / 责任清单 (supervisors)',
    description:
      'All four 明确 are required: `dueAt` (完成时间), `orgUnitId` + `responsible` (责任主体), ' +
      '`standard` (工作标准), `assessingUnitId` (考核部门). Needs a supervisor grant covering ' +
      '`orgUnitId` (403 otherwise).',
  })
  @ApiCreatedResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403)
  create(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Body() body: CreateLedgerItemDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.create(principal, request, body);
  }

  @Get('overdue')
  @ApiOperation({
    summary: 'Overdue and escalated (督办) items in your subtree: red first, then most escalated',
    description:
      'Items not closed that are open / in progress past due, or were escalated at least once; ' +
      'past due (red) first, then by 督办次数, then by due time. Each carries its step and ' +
      'process template by name.',
  })
  @ApiOkResponse({ type: OverdueListDto })
  @ApiErrors(400, 401, 403)
  overdue(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: OverdueQueryDto,
  ): Promise<OverdueListDto> {
    return this.boards.overdue(principal, request, query);
  }

  @Get('rollup')
  @ApiOperation({
    summary: 'Roll-up per org unit and month / quarter (月度督导、季度考核)',
    description:
      'One row per unit of the subtree and period; each unit counts its whole subtree. Periods ' +
      'are calendar months or quarters in TIME_ZONE, [first day 00:00, next period 00:00). ' +
      '`opened`: items opened (挂账) in the period. `openAtEnd`: items opened before the end and ' +
      'not closed at that moment (a 回头看 reopening counts from its time). `overdueAtEnd`: of ' +
      'those, due before the end. `closed`: distinct items closed (销号) in the period. ' +
      '`closedOnTime`: of those, the ones whose last closure in the period accepted a submission ' +
      'made by the due time. `onTimeRate` = closedOnTime / closed, null when closed = 0. ' +
      'Cancelled items (their task was cancelled) count nowhere.',
  })
  @ApiOkResponse({ type: RollupDto })
  @ApiErrors(400, 401, 403)
  rollup(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: RollupQueryDto,
  ): Promise<RollupDto> {
    return this.ledger.rollup(principal, request, query);
  }

  @Get('export.xlsx')
  @ApiOperation({
    summary: 'Export the ledger as an Excel workbook (same filters as the list, no paging)',
    description:
      'Chinese column headers: 清单, 事项, 工作标准, 责任单位, 责任人, 考核部门, 完成时间, 状态, 亮灯, 督办次数 …; at most 50,000 rows.',
  })
  @ApiProduces(XLSX)
  @ApiOkResponse({
    description: 'The workbook.',
    content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(400, 401, 403)
  async exportXlsx(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: LedgerFilterQueryDto,
  ): Promise<StreamableFile> {
    const rows = await this.ledger.exportRows(principal, request, query);
    return new StreamableFile(await ledgerXlsx(rows, this.env.TIME_ZONE), {
      type: XLSX,
      disposition: attachmentName(`ledger-${this.stamp()}.xlsx`),
    });
  }

  @Get('export.csv')
  @ApiOperation({
    summary: 'Export the ledger as CSV (UTF-8 with BOM, same filters as the list, no paging)',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'The CSV file.',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 401, 403)
  async exportCsv(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: LedgerFilterQueryDto,
  ): Promise<StreamableFile> {
    const rows = await this.ledger.exportRows(principal, request, query);
    return new StreamableFile(ledgerCsv(rows, this.env.TIME_ZONE), {
      type: 'text/csv; charset=utf-8',
      disposition: attachmentName(`ledger-${this.stamp()}.csv`),
    });
  }

  @Get('items/:id')
  @ApiOperation({ summary: 'An item with its entries (its life) and attachments (metadata)' })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.get(principal, request, id);
  }

  @Post('items/:id/progress')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Report progress (open → in_progress; again while in progress)',
    description: WHO,
  })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  progress(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @Body() body: ProgressDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.progress(principal, request, id, body.note);
  }

  @Post('items/:id/attachments')
  @ApiOperation({
    summary: 'Upload an evidence file (佐证材料): multipart/form-data, or the file as the body',
    description:
      'Either `multipart/form-data` with one file part (a phone camera, a browser form): its ' +
      'own file name is kept (cleaned: the last path segment, no control or bidirectional ' +
      'characters, at most 255 characters), unless `?fileName=` names it; at most ' +
      'LEDGER_ATTACHMENT_MAX_BYTES (413 LEDGER_ATTACHMENT_TOO_LARGE naming the limit), one file ' +
      '(400 MULTIPART_TOO_MANY_FILES), none is 400 MULTIPART_FILE_REQUIRED, a body that is not ' +
      'well-formed multipart (truncated, no boundary) 400 MULTIPART_MALFORMED; the type is its ' +
      'bytes’ (not the part’s Content-Type) and must be a photo (JPEG, PNG, WebP, GIF, HEIC), ' +
      'PDF, an Office document or MP4, else 415 LEDGER_ATTACHMENT_TYPE_REFUSED. ' +
      'Or the raw bytes as the body with `?fileName=` (required; at most 255 characters, no ' +
      'control or bidirectional characters, no / or \\: 400 naming `fileName` otherwise); ' +
      'above LEDGER_ATTACHMENT_MAX_BYTES 413; the type is decided by the bytes, and a file off ' +
      'the list is kept as application/octet-stream. Size and sha256 are computed here; ' +
      'nothing is kept from a refused upload. The file joins the next submission. Only while ' +
      'the item is open or in progress.' +
      WHO,
  })
  @ApiConsumes(
    'multipart/form-data',
    'application/octet-stream',
    'application/pdf',
    'image/jpeg',
    'image/png',
  )
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' } },
        },
        { type: 'string', format: 'binary' },
      ],
    },
  })
  @ApiCreatedResponse({ type: LedgerAttachmentDto })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @UuidParam() id: string,
    @Query() query: UploadQueryDto,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<LedgerAttachmentDto> {
    const maxBytes = this.ledger.maxAttachmentBytes;
    if (isMultipart(request)) {
      const file = await evidenceFile(request, maxBytes);
      return this.ledger.upload(principal, request, id, {
        fileName: query.fileName ?? cleanFileName(file.fileName, '佐证材料'),
        contentType: file.contentType,
        content: file.content,
      });
    }
    const content = await readBody(request, maxBytes, RAW_EVIDENCE);
    if (query.fileName === undefined) {
      throw new HttpProblem(HttpStatus.BAD_REQUEST, '请用 ?fileName= 给出文件名', [
        { field: 'fileName', message: 'fileName must not be empty' },
      ]);
    }
    return this.ledger.upload(principal, request, id, {
      fileName: query.fileName,
      contentType: contentType?.trim() || 'application/octet-stream',
      content,
    });
  }

  @Get('items/:id/attachments/:attachmentId')
  @ApiOperation({
    summary: 'Download an attachment',
    description:
      'The stored bytes, always as a download (`Content-Disposition: attachment` with the ' +
      'RFC 5987 `filename*`), `X-Content-Type-Options: nosniff`, and the type its bytes are ' +
      'when allowed (see the upload), else application/octet-stream; `ETag` is the quoted ' +
      'sha256, also in `X-Content-SHA256` (hex) and `Digest: sha-256=<base64>`.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file.' })
  @ApiErrors(400, 401, 403, 404)
  async download(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @UuidParam('attachmentId') attachmentId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.ledger.download(principal, request, id, attachmentId);
    // Sent as it is: the ETag is the file's, and never a 304 (as express's res.end)
    void reply
      .status(HttpStatus.OK)
      .headers({
        'Content-Type': file.contentType,
        'Content-Length': String(file.sizeBytes),
        ETag: `"${file.sha256}"`,
        'X-Content-SHA256': file.sha256,
        Digest: `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`,
        'Content-Disposition': attachmentName(file.fileName),
        'Cache-Control': 'private, no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
      })
      .send(file.content);
  }

  @Post('items/:id/submit')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Submit with evidence (open / in_progress → submitted)',
    description:
      'Evidence: a `note` and/or attachments (default: every attachment uploaded since the last ' +
      'submission); neither is 400 `LEDGER_EVIDENCE_REQUIRED`. A task item is submitted by ' +
      'completing its task (the completion variables are its evidence); here only after its ' +
      'task is done (e.g. after a rejection).' +
      WHO,
  })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  submit(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @Body() body: SubmitDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.submit(principal, request, id, body);
  }

  @Post('items/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Verify and close (销号) several submitted items at once (supervisors)',
    description:
      'All or nothing, in one transaction; each closure is an entry and an audit event as a ' +
      'single 销号 is. An id you may not read answers as an unknown one (404 naming it); one you ' +
      'read but may not verify 403; any item not submitted (e.g. already closed: a double ' +
      'submit) 409 with `details.items` naming each and its state, and nothing is closed. At ' +
      'most LEDGER_BULK_VERIFY_MAX (200) ids (400 naming `ids`).',
  })
  @ApiOkResponse({ type: BulkVerifyResultDto })
  @ApiErrors(400, 401, 403, 404, 409)
  verifyMany(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Body() body: BulkVerifyDto,
  ): Promise<BulkVerifyResultDto> {
    return this.ledger.verifyMany(principal, request, body.ids, body.note ?? null);
  }

  @Post('items/:id/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Verify and close (销号): submitted → closed (supervisors)',
    description: WHO,
  })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  verify(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @Body() body: VerifyDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.verify(principal, request, id, body.note ?? null);
  }

  @Post('items/:id/reject')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Reject the submission back to the responsible side: submitted → in_progress (supervisors)',
    description: 'A reason is required (400 `LEDGER_REASON_REQUIRED`).' + WHO,
  })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  reject(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @Body() body: RejectDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.reject(principal, request, id, body.reason);
  }

  @Post('items/:id/reopen')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Reopen a closed item after a follow-up check (回头看): closed → in_progress (supervisors)',
    description:
      'A reason is required; an optional new `dueAt` restarts escalation from the first level.' +
      WHO,
  })
  @ApiOkResponse({ type: LedgerItemDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  reopen(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @UuidParam() id: string,
    @Body() body: ReopenDto,
  ): Promise<LedgerItemDetailDto> {
    return this.ledger.reopen(principal, request, id, body.reason, body.dueAt);
  }

  private stamp(): string {
    return new Date(this.ledger.now()).toISOString().slice(0, 10).replace(/-/g, '');
  }
}

/** `attachment; filename="…"; filename*=UTF-8''…` (ASCII fallback plus the UTF-8 name). */
function attachmentName(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** How the raw-body upload refuses what is not one file of at most the limit. */
const RAW_EVIDENCE: BodyErrors = {
  tooLarge: (maxBytes) => attachmentTooLarge(maxBytes),
  notAFile: () =>
    new HttpProblem(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'a JSON body is read as a request, not a file: upload JSON evidence as application/octet-stream',
    ),
};

/**
 * The one file of a multipart evidence upload, typed by its bytes: a type off the allow-list
 * (see EVIDENCE_TYPES) is refused, whatever the part declared. Nothing is kept yet.
 */
async function evidenceFile(
  request: FastifyRequest,
  maxBytes: number,
): Promise<{ fileName: string | null; contentType: string; content: Buffer }> {
  const body = await readMultipart(
    request,
    { maxFiles: 1, maxFileBytes: maxBytes, maxFields: 4, maxFieldBytes: 1024 },
    (limit) => attachmentTooLarge(limit),
  );
  const [file] = body.files;
  if (!file) {
    throw new HttpProblem(
      HttpStatus.BAD_REQUEST,
      '请求中没有文件：请在 multipart/form-data 的 file 字段中上传佐证材料',
      [{ field: 'file', message: '缺少文件' }],
      'MULTIPART_FILE_REQUIRED',
    );
  }
  // An empty file is refused by the upload itself (400 naming the body)
  const contentType =
    file.content.length === 0
      ? 'application/octet-stream'
      : await evidenceType(file.content, file.declaredType);
  if (file.content.length > 0 && !EVIDENCE_TYPES.has(contentType)) {
    throw new HttpProblem(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      '佐证材料只接受照片（JPEG、PNG、WebP、GIF、HEIC）、PDF、Office 文档和 MP4 视频：' +
        '按文件内容，这个文件不是其中任何一种',
      [{ field: file.fieldName.slice(0, 60), message: '文件类型不在允许范围内' }],
      'LEDGER_ATTACHMENT_TYPE_REFUSED',
    );
  }
  return { fileName: file.fileName, contentType, content: file.content };
}
