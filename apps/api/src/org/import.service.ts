import type { Env } from '@app/config';
import {
  MembersRepository,
  RosterFileException,
  RosterFileProblem,
  UnitsRepository,
  importRoster,
} from '@app/org';
import { CLOCK, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import { invalidRequest } from '../common/validation.js';
import { type BodyErrors, readBody } from '../common/read-body.js';
import type { ImportQueryDto, ImportResultDto } from './dto/import.dto.js';
import { OrgAccess, noUnit } from './org-access.js';

const FILE_STATUS: Record<RosterFileProblem, HttpStatus> = {
  [RosterFileProblem.TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [RosterFileProblem.TOO_MANY_ROWS]: HttpStatus.PAYLOAD_TOO_LARGE,
  [RosterFileProblem.UNREADABLE]: HttpStatus.BAD_REQUEST,
  [RosterFileProblem.ENCODING]: HttpStatus.BAD_REQUEST,
};

/**
 * 花名册 import (issue 14, part 2): an admin loads members into the units of their subtree from
 * an xlsx or CSV roster. Out of scope is absent (a unit of another subtree is 'unknown unit').
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly members: MembersRepository,
    private readonly orgAccess: OrgAccess,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async importRoster(
    request: FastifyRequest,
    query: ImportQueryDto,
    caller: Caller,
  ): Promise<ImportResultDto> {
    const scopePath = await this.scope(query.orgUnitId, caller);
    const bytes = await readBody(request, this.env.IMPORT_MAX_BYTES, ROSTER_BODY);
    if (bytes.length === 0) {
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        '请求体是空的：请把花名册文件（.xlsx 或 .csv）作为请求体上传',
        undefined,
        'IMPORT_FILE_UNREADABLE',
      );
    }
    const dryRun = query.dryRun ?? false;
    let answer;
    try {
      answer = await importRoster(
        { units: this.units, members: this.members, clock: this.clock },
        bytes,
        {
          scopePath,
          fileName: query.fileName ?? 'roster',
          actor: caller.principal.userId,
          dryRun,
          reason: query.reason ?? null,
          limits: { maxBytes: this.env.IMPORT_MAX_BYTES, maxRows: this.env.IMPORT_MAX_ROWS },
        },
      );
    } catch (error) {
      if (!(error instanceof RosterFileException)) throw error;
      throw new HttpProblem(FILE_STATUS[error.code], error.message, undefined, error.code);
    }
    const result = { ...answer, errors: [...answer.errors], dryRun };
    if (answer.errorCount > 0) {
      throw new HttpProblem(
        HttpStatus.UNPROCESSABLE_ENTITY,
        `花名册有 ${answer.errorCount} 处错误，未导入任何数据：逐行说明如下`,
        result,
        'IMPORT_INVALID_ROWS',
      );
    }
    return result;
  }

  /** The path of the unit the roster is imported into: the caller must be an admin over it. */
  private async scope(orgUnitId: string | undefined, caller: Caller): Promise<string> {
    const grants = caller.principal.grants.filter((grant) => grant.role === 'admin');
    if (orgUnitId === undefined) {
      if (grants.length === 1) return grants[0].path;
      if (grants.length > 0) {
        throw invalidRequest([
          {
            field: 'orgUnitId',
            message: 'orgUnitId 必填：您是多个党组织的管理员，请指定导入到哪一个',
          },
        ]);
      }
      throw new HttpProblem(HttpStatus.FORBIDDEN, '只有组织管理员可以导入花名册');
    }
    const unit = await this.units.find(orgUnitId);
    await this.orgAccess.assertAdmin(
      caller,
      unit?.path ?? null,
      `importing a roster into org unit '${orgUnitId}'`,
      () => noUnit('orgUnitId', orgUnitId),
    );
    return unit!.path;
  }
}

/** How the roster import refuses a body that is not one roster file within IMPORT_MAX_BYTES. */
const ROSTER_BODY: BodyErrors = {
  tooLarge: (maxBytes) =>
    new HttpProblem(
      HttpStatus.PAYLOAD_TOO_LARGE,
      `花名册文件超过上限 ${maxBytes} 字节（IMPORT_MAX_BYTES）`,
      undefined,
      RosterFileProblem.TOO_LARGE,
    ),
  notAFile: () =>
    new HttpProblem(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      '请把花名册文件作为请求体上传，Content-Type 为 text/csv 或 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet（不接受 JSON）',
      undefined,
      'IMPORT_FILE_UNREADABLE',
    ),
};
