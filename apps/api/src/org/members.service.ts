import {
  type MemberRecord,
  MembersRepository,
  UnitsRepository,
  hasRoleOver,
  maskPhone,
} from '@app/org';
import { HttpStatus, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type {
  CreateMemberDto,
  ListMembersQueryDto,
  MemberDto,
  MemberListDto,
  MemberStatusDto,
  TransferMemberDto,
  UpdateMemberDto,
} from './dto/member.dto.js';
import { OrgAccess, noUnit, orgScopes, orgWrite } from './org-access.js';

const absent = (id: string) => () => new HttpProblem(HttpStatus.NOT_FOUND, `no member '${id}'`);

/**
 * Members: looked up by whoever reads their unit (phone masked unless the caller is an admin
 * over the member's unit); created, edited, transferred and given a status by admins.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly units: UnitsRepository,
    private readonly orgAccess: OrgAccess,
  ) {}

  async list(query: ListMembersQueryDto, caller: Caller): Promise<MemberListDto> {
    let under: string | undefined;
    if (query.orgUnitId !== undefined) {
      under = await this.unitPath(caller, query.orgUnitId, 'orgUnitId', false);
    }
    const { items, total } = await this.members.list({
      scopes: orgScopes(caller.principal),
      under,
      q: query.q,
      statuses: query.status,
      offset: query.offset,
      limit: query.pageSize,
    });
    return {
      items: items.map((member) => toDto(member, caller)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  async get(id: string, caller: Caller): Promise<MemberDto> {
    const member = await this.members.find(id);
    await this.orgAccess.assertSees(caller, member?.unitPath ?? null, `member '${id}'`, absent(id));
    return toDto(member!, caller);
  }

  async create(body: CreateMemberDto, caller: Caller): Promise<MemberDto> {
    await this.unitPath(caller, body.orgUnitId, 'orgUnitId', true);
    const member = await orgWrite(() =>
      this.members.create(
        {
          orgUnitId: body.orgUnitId,
          name: body.name,
          status: body.status,
          gender: body.gender,
          birthDate: body.birthDate,
          admissionDate: body.admissionDate,
          fullMemberDate: body.fullMemberDate,
          partyNumber: body.partyNumber,
          phone: body.phone,
        },
        caller.principal.userId,
      ),
    );
    return toDto(member, caller);
  }

  async update(id: string, body: UpdateMemberDto, caller: Caller): Promise<MemberDto> {
    await this.adminOf(id, caller);
    const { version, ...patch } = body;
    return toDto(
      await orgWrite(() => this.members.update(id, patch, version, caller.principal.userId)),
      caller,
    );
  }

  async transfer(id: string, body: TransferMemberDto, caller: Caller): Promise<MemberDto> {
    await this.adminOf(id, caller);
    await this.unitPath(caller, body.toOrgUnitId, 'toOrgUnitId', true);
    return toDto(
      await orgWrite(() =>
        this.members.transfer(
          id,
          body.toOrgUnitId,
          body.reason,
          body.version,
          caller.principal.userId,
        ),
      ),
      caller,
    );
  }

  async setStatus(id: string, body: MemberStatusDto, caller: Caller): Promise<MemberDto> {
    await this.adminOf(id, caller);
    return toDto(
      await orgWrite(() =>
        this.members.setStatus(id, body.status, body.reason, body.version, caller.principal.userId),
      ),
      caller,
    );
  }

  private async adminOf(id: string, caller: Caller): Promise<void> {
    const member = await this.members.find(id);
    await this.orgAccess.assertAdmin(
      caller,
      member?.unitPath ?? null,
      `member '${id}'`,
      absent(id),
    );
  }

  /** The path of a unit named in the request (400 naming `field` when unknown or unseen). */
  private async unitPath(
    caller: Caller,
    id: string,
    field: string,
    admin: boolean,
  ): Promise<string> {
    const unit = await this.units.find(id);
    const path = unit?.path ?? null;
    const what = `org unit '${id}' (${field})`;
    if (admin) await this.orgAccess.assertAdmin(caller, path, what, () => noUnit(field, id));
    else await this.orgAccess.assertSees(caller, path, what, () => noUnit(field, id));
    return path!;
  }
}

function toDto(member: MemberRecord, caller: Caller): MemberDto {
  const { unitPath, unitName, ...rest } = member;
  return {
    ...rest,
    orgUnitName: unitName,
    phone: hasRoleOver(caller.principal, 'admin', unitPath)
      ? member.phone
      : maskPhone(member.phone),
  };
}
