import type { Env } from '@app/config';
import {
  type ItemDetail,
  type LedgerAttachment,
  type LedgerFilter,
  type LedgerItem,
  type LedgerScope,
  LedgerStore,
  WORKING_STATES,
  canReadItem,
  canRespond,
  canSupervise,
  effectiveDue,
  evidenceType,
  ledgerItemNotFound,
  periodsBetween,
  trafficLight,
} from '@app/ledger';
import { type Principal, canReadUnit, covers, identities, scopePaths } from '@app/org';
import { DATA_SOURCE, ENV } from '@app/runtime';
import { addDuration, parseDateTime } from '@app/time';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import { actorOf } from '../auth/principal.decorator.js';
import { cappedPage, refuseBadCursor } from '../common/pagination.dto.js';
import { invalidRequest } from '../common/validation.js';
import type { DataSource } from 'typeorm';
import { nameAttachment, nameLedgerDetail, nameLedgerItems } from './ledger-names.js';
import type {
  CreateLedgerItemDto,
  LedgerFilterQueryDto,
  LedgerItemDetailDto,
  LedgerItemDto,
  LedgerSearchResultDto,
  ListLedgerQueryDto,
  OverdueQueryDto,
  RollupDto,
  RollupQueryDto,
} from './dto/ledger.dto.js';
import type { OverdueListDto } from './dto/unit-rollup.dto.js';

/** The request a refusal is audited with. */
export interface RequestInfo {
  readonly method?: string;
  readonly url?: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The ledger over HTTP: access checks, then the store's transition. Out of scope is absent: an
 * item the caller may not read gets what an unknown item gets (404 `no ledger item`), a unit it
 * may not read what an unknown unit gets (400); 403 only when the caller reads the item but
 * may not do the step (a secretary asked to 销号). Every refusal is audited (AccessService).
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly store: LedgerStore,
    private readonly access: AccessService,
    @Inject(ENV) private readonly env: Env,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  now(): number {
    return this.store.now();
  }

  get maxAttachmentBytes(): number {
    return this.env.LEDGER_ATTACHMENT_MAX_BYTES;
  }

  async list(
    principal: Principal,
    request: RequestInfo,
    query: ListLedgerQueryDto,
  ): Promise<LedgerSearchResultDto> {
    const filter = await this.filter(principal, request, query);
    const page = { limit: query.pageSize, offset: (query.page - 1) * query.pageSize };
    const { items, total } = await this.store.search(scopeOf(principal), filter, page);
    return {
      items: await this.withProcess(await this.named(items)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  async exportRows(
    principal: Principal,
    request: RequestInfo,
    query: LedgerFilterQueryDto,
  ): Promise<LedgerItemDto[]> {
    const filter = await this.filter(principal, request, query);
    const items = await this.store.exportRows(scopeOf(principal), filter);
    return this.named(items);
  }

  async overdue(
    principal: Principal,
    request: RequestInfo,
    query: OverdueQueryDto,
  ): Promise<Omit<OverdueListDto, 'items'> & { items: LedgerItemDto[] }> {
    const unitPath =
      query.orgUnitId === undefined
        ? null
        : await this.readableUnit(principal, request, query.orgUnitId);
    const board = await this.store
      .overdue(scopeOf(principal), unitPath, {
        limit: query.pageSize,
        offset: query.keysetOffset,
        cursor: query.cursor,
      })
      .catch(refuseBadCursor);
    return { items: await this.named(board.items), ...cappedPage(query, board) };
  }

  async rollup(
    principal: Principal,
    request: RequestInfo,
    query: RollupQueryDto,
  ): Promise<RollupDto> {
    const periods = periodsBetween(query.period, query.from, query.to, this.env.TIME_ZONE);
    let roots: string[];
    if (query.orgUnitId !== undefined) {
      roots = [await this.readableUnit(principal, request, query.orgUnitId)];
    } else {
      const paths = scopePaths(principal, ['secretary', 'supervisor']);
      // Only the topmost grants: a path under another one adds nothing.
      roots = paths.filter((path) => !paths.some((other) => other !== path && covers(other, path)));
      if (roots.length === 0) {
        await this.access.forbid(
          principal,
          request,
          'the ledger roll-up needs a secretary or supervisor role',
          '只有党组织书记或督导人员可以查看台账汇总',
        );
      }
    }
    const rows = await this.store.rollup(roots, periods);
    return { period: query.period, periods: periods.map((p) => p.label), rows };
  }

  async get(principal: Principal, request: RequestInfo, id: string): Promise<LedgerItemDetailDto> {
    const item = await this.store.item(id);
    await this.assertRead(principal, request, item);
    return this.toDetail(await this.store.detail(id), principal);
  }

  async create(
    principal: Principal,
    request: RequestInfo,
    body: CreateLedgerItemDto,
  ): Promise<LedgerItemDetailDto> {
    const unitPath = await this.access.unitPath(body.orgUnitId);
    const assessingPath = await this.access.unitPath(body.assessingUnitId);
    if (unitPath === null || assessingPath === null) {
      const field = unitPath === null ? 'orgUnitId' : 'assessingUnitId';
      throw invalidRequest([{ field, message: `${field}：未找到该党组织` }]);
    }
    if (!canSupervise(principal, { unitPath, assessingPath: null })) {
      if (!canReadUnit(principal, unitPath)) {
        // An org unit outside the caller's scope is answered as an unknown one
        await this.access.readableUnit(principal, request, body.orgUnitId);
      }
      await this.access.forbid(
        principal,
        request,
        `opening a ledger item for org unit '${body.orgUnitId}' needs the supervisor role over it`,
        '只有上级党组织的督导人员可以为该党组织新建台账事项',
      );
    }
    const item = await this.store.create(
      {
        list: body.list,
        title: body.title.trim(),
        standard: body.standard.trim(),
        orgUnitId: body.orgUnitId,
        responsible: body.responsible.trim(),
        assessingUnitId: body.assessingUnitId,
        dueAt: this.instant(body.dueAt, 'dueAt'),
      },
      actorOf(principal),
    );
    return this.toDetail(await this.store.detail(item.id), principal);
  }

  async progress(principal: Principal, request: RequestInfo, id: string, note: string) {
    await this.assertRespond(principal, request, id, 'report progress on', '报告进展');
    await this.store.progress(id, note, actorOf(principal));
    return this.detail(id, principal);
  }

  async upload(
    principal: Principal,
    request: RequestInfo,
    id: string,
    file: { fileName: string; contentType: string; content: Buffer },
  ): Promise<LedgerAttachment & { uploadedByName: string }> {
    await this.assertRespond(principal, request, id, 'add evidence to', '上传佐证材料');
    if (file.content.length === 0) {
      throw invalidRequest([{ field: 'body', message: '上传的文件是空的：请求体应是文件的内容' }]);
    }
    // Kept with the type its bytes are (when allowed), not the one the uploader declared
    const contentType = await evidenceType(file.content, file.contentType);
    const attachment = await this.store.addAttachment(
      id,
      { ...file, contentType },
      actorOf(principal),
      this.maxAttachmentBytes,
    );
    return nameAttachment(this.dataSource.manager, attachment);
  }

  /**
   * An attachment with its bytes, typed as its bytes are (allow-list, else octet-stream):
   * files kept before the bytes decided are sniffed again here.
   */
  async download(principal: Principal, request: RequestInfo, id: string, attachmentId: string) {
    const item = await this.store.item(id);
    await this.assertRead(principal, request, item);
    const file = await this.store.attachment(id, attachmentId);
    return { ...file, contentType: await evidenceType(file.content, file.contentType) };
  }

  async submit(
    principal: Principal,
    request: RequestInfo,
    id: string,
    evidence: { note?: string; attachmentIds?: string[] },
  ) {
    await this.assertRespond(principal, request, id, 'submit', '提交');
    await this.store.submit(id, evidence, actorOf(principal));
    return this.detail(id, principal);
  }

  async verify(principal: Principal, request: RequestInfo, id: string, note: string | null) {
    await this.assertSupervise(principal, request, id, 'close (销号)', '销号');
    await this.store.verify(id, note, actorOf(principal));
    return this.detail(id, principal);
  }

  /**
   * Bulk 销号: all or nothing. Every id is checked as a single 销号 checks it, in the order
   * given, before anything closes: an item the caller may not read answers exactly as an unknown
   * one (404 naming that id, audited), one it reads but may not verify 403; then one transaction
   * closes them all (409 naming the items not submitted, nothing closed: a double submit).
   */
  async verifyMany(
    principal: Principal,
    request: RequestInfo,
    ids: readonly string[],
    note: string | null,
  ): Promise<{ closed: string[] }> {
    const max = this.env.LEDGER_BULK_VERIFY_MAX;
    if (ids.length > max) {
      throw invalidRequest([
        { field: 'ids', message: `ids 一次最多 ${max} 项（LEDGER_BULK_VERIFY_MAX）` },
      ]);
    }
    for (const id of new Set(ids))
      await this.assertSupervise(principal, request, id, 'close (销号)', '销号');
    const closed = await this.store.verifyMany(ids, note, actorOf(principal));
    return { closed: closed.map((item) => item.id) };
  }

  async reject(principal: Principal, request: RequestInfo, id: string, reason: string) {
    await this.assertSupervise(principal, request, id, 'reject', '退回');
    await this.store.reject(id, reason, actorOf(principal));
    return this.detail(id, principal);
  }

  async reopen(
    principal: Principal,
    request: RequestInfo,
    id: string,
    reason: string,
    dueAt: string | undefined,
  ) {
    await this.assertSupervise(principal, request, id, 'reopen (回头看)', '重新打开（回头看）');
    const due = dueAt === undefined ? null : this.instant(dueAt, 'dueAt');
    await this.store.reopen(id, reason, due, actorOf(principal));
    return this.detail(id, principal);
  }

  /** The items with their process's template by name (one statement for the page). */
  private async withProcess<T extends LedgerItemDto>(
    items: readonly T[],
  ): Promise<(T & { templateName: string | null })[]> {
    const names = await this.store.processNames(items.map((item) => item.id));
    return items.map((item) => ({
      ...item,
      templateName: names.get(item.id)?.templateName ?? null,
    }));
  }

  /** The items as DTOs with 责任人 by name (one lookup for all, see nameLedgerItems). */
  private named(items: readonly LedgerItem[]): Promise<LedgerItemDto[]> {
    return nameLedgerItems(
      this.dataSource.manager,
      items.map((item) => this.toDto(item)),
    );
  }

  toDto(item: LedgerItem): LedgerItemDto {
    const now = this.store.now();
    const light = trafficLight(item, now, this.store.yellowDays, this.store.graceDays);
    const due = effectiveDue(item, this.store.graceDays);
    return {
      id: item.id,
      list: item.list,
      source: item.source,
      taskId: item.taskId,
      instanceId: item.instanceId,
      title: item.title,
      standard: item.standard,
      orgUnitId: item.orgUnitId,
      orgUnitName: item.unitName,
      responsible: item.responsible,
      // by name: nameLedgerItems fills it where the items go out
      responsibleName: null,
      assessingUnitId: item.assessingUnitId,
      assessingUnitName: item.assessingUnitName,
      dueAt: item.dueAt,
      state: item.state,
      light,
      overdue: WORKING_STATES.includes(item.state) && due !== null && due < now,
      escalations: item.escalations,
      escalatedAt: item.escalatedAt,
      escalatedTo: item.escalatedTo,
      submittedAt: item.submittedAt,
      closedAt: item.closedAt,
      closedBy: item.closedBy,
      reopened: item.reopened,
      createdBy: item.createdBy,
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  }

  private async detail(id: string, principal: Principal): Promise<LedgerItemDetailDto> {
    return this.toDetail(await this.store.detail(id), principal);
  }

  /** The detail by name, with what the caller may do with it (the page offers only that). */
  private async toDetail(detail: ItemDetail, principal: Principal): Promise<LedgerItemDetailDto> {
    const [item] = await this.withProcess(await this.named([detail.item]));
    const names = await nameLedgerDetail(
      this.dataSource.manager,
      item,
      detail.entries,
      detail.attachments,
    );
    return {
      ...item,
      ...names,
      canRespond: canRespond(principal, facts(detail.item)),
      canSupervise: canSupervise(principal, facts(detail.item)),
    };
  }

  private async filter(
    principal: Principal,
    request: RequestInfo,
    query: LedgerFilterQueryDto,
  ): Promise<LedgerFilter> {
    const unitPath =
      query.orgUnitId === undefined
        ? undefined
        : await this.readableUnit(principal, request, query.orgUnitId);
    return {
      q: query.q,
      list: query.list,
      state: query.state,
      source: query.source,
      unitPath,
      light: query.light,
      overdue: query.overdue,
      escalated: query.escalated,
      dueFrom: query.dueFrom === undefined ? undefined : this.instant(query.dueFrom, 'dueFrom'),
      dueTo:
        query.dueTo === undefined
          ? undefined
          : DATE_ONLY.test(query.dueTo)
            ? addDuration(this.instant(query.dueTo, 'dueTo'), 'P1D', this.env.TIME_ZONE) - 1
            : this.instant(query.dueTo, 'dueTo'),
      instanceId: query.instanceId,
      sort: query.sort,
    };
  }

  /** The unit's path when the caller reads it (secretary of it, supervisor over it); else 400. */
  private readableUnit(principal: Principal, request: RequestInfo, orgUnitId: string) {
    return this.access.readableUnit(principal, request, orgUnitId);
  }

  /** Refuses an item the caller may not read as if it did not exist (404, audited). */
  private async assertRead(principal: Principal, request: RequestInfo, item: LedgerItem) {
    if (canReadItem(principal, facts(item))) return;
    await this.access.conceal(
      principal,
      request,
      `ledger item '${item.id}' (${unitText(item)}) is outside your scope`,
      ledgerItemNotFound(item.id),
    );
  }

  private async assertRespond(
    principal: Principal,
    request: RequestInfo,
    id: string,
    verb: string,
    verbZh: string,
  ) {
    const item = await this.store.item(id);
    if (canRespond(principal, facts(item))) return item;
    await this.assertRead(principal, request, item);
    return this.access.forbid(
      principal,
      request,
      `to ${verb} ledger item '${id}' you must be the secretary of ${unitText(item)} or the task's assignee`,
      `只有责任党组织的书记或该任务的办理人可以${verbZh}`,
    );
  }

  private async assertSupervise(
    principal: Principal,
    request: RequestInfo,
    id: string,
    verb: string,
    verbZh: string,
  ) {
    const item = await this.store.item(id);
    if (canSupervise(principal, facts(item))) return item;
    await this.assertRead(principal, request, item);
    return this.access.forbid(
      principal,
      request,
      `to ${verb} ledger item '${id}' you need the supervisor role over ${unitText(item)} or its assessing unit`,
      `只有上级党组织或考核单位的督导人员可以${verbZh}`,
    );
  }

  private instant(text: string, field: string): number {
    try {
      return parseDateTime(text, this.env.TIME_ZONE);
    } catch (error) {
      throw invalidRequest([
        {
          field,
          message: `${field} 不是有效的时间（${error instanceof Error ? error.message : String(error)}）`,
        },
      ]);
    }
  }
}

function scopeOf(principal: Principal): LedgerScope {
  return {
    paths: scopePaths(principal, ['secretary', 'supervisor']),
    identities: identities(principal),
  };
}

function facts(item: LedgerItem) {
  return {
    unitPath: item.unitPath,
    assessingPath: item.assessingPath,
    taskAssignee: item.taskAssignee,
  };
}

function unitText(item: LedgerItem): string {
  return item.orgUnitId === null ? 'no org unit' : `org unit '${item.orgUnitId}'`;
}
