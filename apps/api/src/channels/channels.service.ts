import type { Env } from '@app/config';
import {
  type Channel,
  type ChannelRefusal,
  type ChannelTarget,
  ChannelWriteRefused,
  ChannelsRepository,
  canReadUnit,
  hasRoleOver,
  postToRobot,
  robotPayload,
  robotUrlProblem,
  signedUrl,
} from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type {
  ChannelDeliveryListDto,
  ChannelDto,
  ChannelListDto,
  ChannelTestDto,
  CreateChannelDto,
  UpdateChannelDto,
} from './dto/channel.dto.js';

/** The stable `code` of each refusal of the channels routes. */
export const ChannelErrorCode = {
  /** The unit does not exist, or the caller does not read it (the same answer). */
  UNIT_NOT_FOUND: 'UNIT_NOT_FOUND',
  NOT_FOUND: 'CHANNEL_NOT_FOUND',
  VERSION_CONFLICT: 'CHANNEL_VERSION_CONFLICT',
  NAME_TAKEN: 'CHANNEL_NAME_TAKEN',
  TOO_MANY: 'CHANNELS_PER_UNIT',
  URL_REFUSED: 'CHANNEL_URL_REFUSED',
  SECRET_REFUSED: 'CHANNEL_SECRET_REFUSED',
} as const;

const REFUSALS: Record<ChannelRefusal, readonly [HttpStatus, string]> = {
  'not-found': [HttpStatus.NOT_FOUND, ChannelErrorCode.NOT_FOUND],
  stale: [HttpStatus.CONFLICT, ChannelErrorCode.VERSION_CONFLICT],
  'name-taken': [HttpStatus.CONFLICT, ChannelErrorCode.NAME_TAKEN],
  'too-many': [HttpStatus.UNPROCESSABLE_ENTITY, ChannelErrorCode.TOO_MANY],
};

/** Deliveries a channel's list answers at most. */
const DELIVERIES_SHOWN = 50;

/**
 * Notification channels (group robots) of an org unit, kept by an admin of it (the role
 * `admin` on the unit or above). An unknown unit, and a unit outside the caller's scope, are
 * the same 404; a unit the caller reads (secretary, supervisor) without being its admin is 403.
 * A channel of another unit is answered as a missing channel. URLs are answered masked and
 * secrets never.
 */
@Injectable()
export class ChannelsService {
  private readonly channels: ChannelsRepository;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    private readonly access: AccessService,
  ) {
    this.channels = new ChannelsRepository(dataSource);
  }

  async list(unitId: string, caller: Caller): Promise<ChannelListDto> {
    await this.assertAdmin(unitId, caller);
    return { items: await this.channels.list(unitId) };
  }

  async create(unitId: string, body: CreateChannelDto, caller: Caller): Promise<ChannelDto> {
    await this.assertAdmin(unitId, caller);
    this.checkUrl(body.url);
    this.checkSecret(body.kind, body.secret ?? null);
    return this.write(() =>
      this.channels.create(
        {
          orgUnitId: unitId,
          kind: body.kind,
          name: body.name,
          url: body.url,
          secret: body.secret ?? null,
          enabled: body.enabled ?? true,
        },
        caller.principal.userId,
        this.clock.now(),
        this.env.CHANNELS_PER_UNIT,
      ),
    );
  }

  async update(
    unitId: string,
    channelId: string,
    body: UpdateChannelDto,
    caller: Caller,
  ): Promise<ChannelDto> {
    await this.assertAdmin(unitId, caller);
    const channel = await this.channel(unitId, channelId);
    if (body.url !== undefined) this.checkUrl(body.url);
    if (body.secret !== undefined) this.checkSecret(channel.kind, body.secret);
    const { version, ...change } = body;
    return this.write(() =>
      this.channels.update(
        unitId,
        channelId,
        version,
        change,
        caller.principal.userId,
        this.clock.now(),
      ),
    );
  }

  async remove(unitId: string, channelId: string, version: number, caller: Caller): Promise<void> {
    await this.assertAdmin(unitId, caller);
    await this.write(() =>
      this.channels.remove(unitId, channelId, version, caller.principal.userId, this.clock.now()),
    );
  }

  /** Sends a test message now and answers what the channel said (audited). */
  async test(unitId: string, channelId: string, caller: Caller): Promise<ChannelTestDto> {
    await this.assertAdmin(unitId, caller);
    const channel = await this.channel(unitId, channelId);
    const target = (await this.channels.target(unitId, channelId)) as ChannelTarget;
    const refused = robotUrlProblem(target.url, this.env.channelHosts);
    const result = refused
      ? { ok: false, answer: `not sent: the url ${refused}` }
      : await postToRobot(
          signedUrl(target.kind, target.url, target.secret, this.clock.now()),
          robotPayload(target.kind, {
            title: '测试消息',
            body: `这是一条来自 branchflow 的测试消息（通知渠道「${channel.name}」）。`,
          }),
          this.env.CHANNEL_TIMEOUT_MS,
        );
    await this.channels.recordTest(channel, result.ok, caller.principal.userId, this.clock.now());
    return result;
  }

  async deliveries(
    unitId: string,
    channelId: string,
    caller: Caller,
  ): Promise<ChannelDeliveryListDto> {
    await this.assertAdmin(unitId, caller);
    await this.channel(unitId, channelId);
    return { items: await this.channels.deliveriesTo(unitId, channelId, DELIVERIES_SHOWN) };
  }

  private async channel(unitId: string, channelId: string): Promise<Channel> {
    const channel = await this.channels.find(unitId, channelId);
    if (!channel) throw noChannel(unitId, channelId);
    return channel;
  }

  /**
   * The caller is an admin of the unit: else 404 as for a unit that does not exist when the
   * caller does not read it, 403 when it does (audited either way).
   */
  private async assertAdmin(unitId: string, caller: Caller): Promise<void> {
    const absent = new HttpProblem(
      HttpStatus.NOT_FOUND,
      `no org unit '${unitId}'`,
      undefined,
      ChannelErrorCode.UNIT_NOT_FOUND,
    );
    const path = await this.access.unitPath(unitId);
    if (path === null) throw absent;
    if (hasRoleOver(caller.principal, 'admin', path)) return;
    const reason = `the channels of org unit '${unitId}' need the role admin over it`;
    if (canReadUnit(caller.principal, path)) {
      await this.access.forbid(
        caller.principal,
        caller,
        reason,
        '只有该党组织或其上级党组织的组织管理员可以管理它的通知渠道',
      );
    }
    await this.access.conceal(caller.principal, caller, reason, absent);
  }

  private checkUrl(url: string): void {
    const problem = robotUrlProblem(url, this.env.channelHosts);
    if (problem) {
      const message = `url ${robotUrlProblemText(problem)}`;
      throw new HttpProblem(
        HttpStatus.UNPROCESSABLE_ENTITY,
        `不允许使用该机器人地址：${message}`,
        [{ field: 'url', message }],
        ChannelErrorCode.URL_REFUSED,
      );
    }
  }

  private checkSecret(kind: string, secret: string | null): void {
    if (secret !== null && kind !== 'dingtalk') {
      throw new HttpProblem(
        HttpStatus.UNPROCESSABLE_ENTITY,
        '只有钉钉机器人使用加签密钥（secret）',
        [{ field: 'secret', message: 'secret 只用于钉钉机器人的加签' }],
        ChannelErrorCode.SECRET_REFUSED,
      );
    }
  }

  private async write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ChannelWriteRefused)) throw error;
      const [status, code] = REFUSALS[error.reason];
      throw new HttpProblem(status, error.message, undefined, code);
    }
  }
}

function noChannel(unitId: string, channelId: string): HttpProblem {
  return new HttpProblem(
    HttpStatus.NOT_FOUND,
    `no channel '${channelId}' on org unit '${unitId}'`,
    undefined,
    ChannelErrorCode.NOT_FOUND,
  );
}

/** robotUrlProblem's reason (libs/org, English for the cli) as a person reads it here. */
function robotUrlProblemText(problem: string): string {
  const host = /^host '(.*)' is not a robot host allowed by CHANNEL_HOSTS$/.exec(problem);
  if (host) return `的主机 ${host[1]} 不在允许的机器人主机之列（CHANNEL_HOSTS）`;
  const known: Record<string, string> = {
    'must be an absolute URL': '必须是完整的网址',
    'must be an https:// URL (http:// only to a loopback address)':
      '必须以 https:// 开头（http:// 只可用于本机地址）',
    'must not carry a user or password': '不能包含用户名或密码',
    'must not carry a #fragment': '不能包含 # 片段',
  };
  return known[problem] ?? `不可用（${problem}）`;
}
