import { type OrgUnitRecord, UnitsRepository } from '@app/org';
import { HttpStatus, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type {
  CreateOrgUnitDto,
  ListOrgUnitsQueryDto,
  MoveOrgUnitDto,
  MovedOrgUnitDto,
  OrgUnitDto,
  OrgUnitListDto,
  RenameOrgUnitDto,
} from './dto/org-unit.dto.js';
import { OrgAccess, noUnit, orgScopes, orgWrite } from './org-access.js';

const absent = (id: string) => () =>
  new HttpProblem(HttpStatus.NOT_FOUND, `no org unit '${id}'`, undefined, 'UNIT_NOT_FOUND');

/** Org units: read by whoever reads them; created, renamed, moved and closed by admins. */
@Injectable()
export class OrgUnitsService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly orgAccess: OrgAccess,
  ) {}

  async list(query: ListOrgUnitsQueryDto, caller: Caller): Promise<OrgUnitListDto> {
    let under: string | undefined;
    if (query.orgUnitId !== undefined) {
      const unit = await this.units.find(query.orgUnitId);
      await this.orgAccess.assertSees(
        caller,
        unit?.path ?? null,
        `org unit '${query.orgUnitId}'`,
        () => noUnit('orgUnitId', query.orgUnitId!),
      );
      under = unit!.path;
    }
    if (query.parentId !== undefined) {
      const parent = await this.units.find(query.parentId);
      await this.orgAccess.assertSees(
        caller,
        parent?.path ?? null,
        `org unit '${query.parentId}'`,
        () => noUnit('parentId', query.parentId!),
      );
    }
    const { items, total } = await this.units.list({
      scopes: orgScopes(caller.principal),
      under,
      parentId: query.parentId,
      nameContains: query.q?.trim() || undefined,
      includeClosed: query.includeClosed,
      offset: query.offset,
      limit: query.pageSize,
    });
    return {
      items: items.map((item) => ({
        ...toDto(item),
        childCount: item.childCount,
        parentName: item.parentName,
      })),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  async get(id: string, caller: Caller): Promise<OrgUnitDto> {
    const unit = await this.units.find(id);
    await this.orgAccess.assertSees(caller, unit?.path ?? null, `org unit '${id}'`, absent(id));
    return toDto(unit!);
  }

  async create(body: CreateOrgUnitDto, caller: Caller): Promise<OrgUnitDto> {
    const parent = await this.units.find(body.parentId);
    await this.orgAccess.assertAdmin(
      caller,
      parent?.path ?? null,
      `a unit under org unit '${body.parentId}'`,
      () => noUnit('parentId', body.parentId),
    );
    const unit = await orgWrite(() =>
      this.units.create(
        { id: body.id, parentId: body.parentId, kind: body.kind, name: body.name },
        caller.principal.userId,
      ),
    );
    return toDto(unit);
  }

  async rename(id: string, body: RenameOrgUnitDto, caller: Caller): Promise<OrgUnitDto> {
    await this.adminOf(id, caller);
    return toDto(
      await orgWrite(() => this.units.rename(id, body.name, body.version, caller.principal.userId)),
    );
  }

  async move(id: string, body: MoveOrgUnitDto, caller: Caller): Promise<MovedOrgUnitDto> {
    await this.adminOf(id, caller);
    const parent = await this.units.find(body.parentId);
    await this.orgAccess.assertAdmin(
      caller,
      parent?.path ?? null,
      `moving a unit under org unit '${body.parentId}'`,
      () => noUnit('parentId', body.parentId),
    );
    const { unit, moved } = await orgWrite(() =>
      this.units.move(id, body.parentId, body.version, caller.principal.userId),
    );
    // the paths of the moved subtree changed: this process stops using the kept ones now
    this.orgAccess.access.forgetUnitPaths();
    return { ...toDto(unit), moved };
  }

  async close(id: string, version: number, caller: Caller): Promise<OrgUnitDto> {
    await this.adminOf(id, caller);
    return toDto(await orgWrite(() => this.units.close(id, version, caller.principal.userId)));
  }

  private async adminOf(id: string, caller: Caller): Promise<void> {
    const unit = await this.units.find(id);
    await this.orgAccess.assertAdmin(caller, unit?.path ?? null, `org unit '${id}'`, absent(id));
  }
}

export function toDto(unit: OrgUnitRecord): OrgUnitDto {
  return {
    id: unit.id,
    parentId: unit.parentId,
    kind: unit.kind,
    name: unit.name,
    path: unit.path,
    version: unit.version,
    closedAt: unit.closedAt === null ? null : new Date(unit.closedAt).toISOString(),
  };
}
