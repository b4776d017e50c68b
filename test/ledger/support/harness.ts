import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Env, loadEnv } from '@app/config';
import { OrgDirectory, type Role } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import { DeploymentService, InstanceRuntime } from '@app/store';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../../apps/api/src/app.factory.js';
import type { LedgerItemDetailDto } from '../../../apps/api/src/ledger/dto/ledger.dto.js';
import { createWorkerApp } from '../../../apps/worker/src/index.js';
import { TestClock, isolatedDatabase } from '../../support/database.js';
import { templateForms } from '../../support/template-forms.js';

export const T0 = Date.parse('2026-03-01T00:00:00+08:00');
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** The suite's organisation: 党委 > 党总支 > two 党支部, and a second 党委 with one branch. */
export interface LedgerOrg {
  readonly committee: string;
  readonly general: string;
  readonly branchA: string;
  readonly branchB: string;
  readonly otherCommittee: string;
  readonly otherBranch: string;
}

export interface LedgerUser {
  readonly userId: string;
  readonly token: string;
  readonly memberId: string | null;
  /** Requests carrying this user's bearer token. */
  readonly http: ReturnType<typeof request.agent>;
}

export interface LedgerHarness {
  readonly api: NestFastifyApplication;
  /** The worker app (not processing queues), when asked for. */
  readonly worker: INestApplicationContext | null;
  readonly env: Env;
  readonly clock: TestClock;
  readonly dataSource: DataSource;
  readonly runtime: InstanceRuntime;
  readonly org: LedgerOrg;
  /** Requests without a token. */
  readonly anonymous: ReturnType<typeof request>;
  user(
    name: string,
    grants: readonly { role: Role; orgUnitId: string }[],
    member?: { orgUnitId: string },
  ): Promise<LedgerUser>;
  deploy(key: string, xml: string): Promise<void>;
  close(): Promise<void>;
}

export interface LedgerHarnessOptions {
  readonly env?: Record<string, string>;
  /** Also boot the worker app (autorun off: its services are called by hand). */
  readonly worker?: boolean;
}

/**
 * The api (and, if asked, the worker) on a database of the suite's own — the ledger sweeps and
 * roll-ups look at everything — with one test clock shared by both, an org tree, and users
 * created with OrgDirectory.createUser.
 */
export async function startLedger(
  tag: string,
  options: LedgerHarnessOptions = {},
): Promise<LedgerHarness> {
  const database = await isolatedDatabase(`ledger_${tag}`);
  const templatesDir = await mkdtemp(join(tmpdir(), `ledger-${tag}-`));
  await mkdir(join(templatesDir, 'forms'));
  const prefix = `ledger-${tag}-${process.pid}-${Date.now().toString(36)}`;
  const env = loadEnv({
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    BULLMQ_PREFIX: prefix,
    TEMPLATES_DIR: templatesDir,
    LOG_LEVEL: 'error',
    ...options.env,
  });
  const clock = new TestClock(T0);
  const api = await createApiApp({ env, clock, logger: ['fatal', 'error'] });
  await api.listen(0, '127.0.0.1');
  const worker = options.worker
    ? await createWorkerApp({ env, clock, autorun: false, logger: ['fatal', 'error'] })
    : null;
  const directory = api.get(OrgDirectory);
  const org: LedgerOrg = {
    committee: 'committee',
    general: 'general-1',
    branchA: 'branch-a',
    branchB: 'branch-b',
    otherCommittee: 'committee-2',
    otherBranch: 'branch-x',
  };
  for (const unit of [
    { id: org.committee, parentId: null, kind: 'committee', name: '公司党委' },
    { id: org.general, parentId: org.committee, kind: 'general_branch', name: '研发党总支' },
    { id: org.branchA, parentId: org.general, kind: 'branch', name: '第一党支部' },
    { id: org.branchB, parentId: org.general, kind: 'branch', name: '第二党支部' },
    { id: org.otherCommittee, parentId: null, kind: 'committee', name: '子公司党委' },
    { id: org.otherBranch, parentId: org.otherCommittee, kind: 'branch', name: '子公司党支部' },
  ] as const) {
    await directory.createUnit(unit);
  }
  const server = api.getHttpServer();
  return {
    api,
    worker,
    env,
    clock,
    dataSource: api.get<DataSource>(DATA_SOURCE),
    runtime: api.get(InstanceRuntime),
    org,
    anonymous: request(server),
    async user(name, grants, member) {
      const memberId = member
        ? (await directory.createMember({ orgUnitId: member.orgUnitId, name, status: 'full' })).id
        : null;
      const created = await directory.createUser({ name, grants, memberId });
      return {
        ...created,
        memberId,
        http: request.agent(server).set('Authorization', `Bearer ${created.token}`),
      };
    },
    async deploy(key, xml) {
      await api.get(DeploymentService).deploy(`${key}.bpmn`, xml, 'test', await templateForms());
    },
    async close() {
      await worker?.close();
      await api.close();
      await rm(templatesDir, { recursive: true, force: true });
      await removeQueueKeys(env.REDIS_URL, prefix);
      await database.drop();
    },
  };
}

async function removeQueueKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * start → one user task `HoldDay` (documentation = its 工作标准, due at the variable `dueAt`,
 * offered to `secretary` or assigned to the variable `assignee`) → end.
 */
export function monthTaskBpmn(
  key: string,
  options: { assigned?: boolean; documentation?: string | null } = {},
): string {
  const documentation =
    options.documentation === null
      ? ''
      : `<bpmn:documentation>${escape(options.documentation ?? '完成“1+6+N”六个规定动作，上传签到表、活动记录和照片')}</bpmn:documentation>`;
  const assignment = options.assigned
    ? '<zeebe:assignmentDefinition assignee="=assignee"/>'
    : '<zeebe:assignmentDefinition candidateGroups="secretary"/>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" name="主题党日（测试）" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:userTask id="HoldDay" name="开展主题党日">
      ${documentation}
      <bpmn:extensionElements>
        ${assignment}
        <zeebe:taskSchedule dueDate="=dueAt"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="HoldDay"/>
    <bpmn:sequenceFlow id="f2" sourceRef="HoldDay" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>
`;
}

/** The JSON of a ledger item (detail), as the api answers it. */
export type ItemBody = Omit<
  LedgerItemDetailDto,
  'dueAt' | 'closedAt' | 'submittedAt' | 'escalatedAt' | 'createdAt' | 'updatedAt'
> & {
  dueAt: string | null;
  closedAt: string | null;
  submittedAt: string | null;
  escalatedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** The common error body. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
}

export const itemOf = (response: { body: unknown }): ItemBody => response.body as ItemBody;
export const attachmentOf = (response: { body: unknown }) =>
  response.body as ItemBody['attachments'][number] & { uploadedAt: string };
export const errorOf = (response: { body: unknown }): ErrorBody => response.body as ErrorBody;
export const listOf = (response: { body: unknown }) =>
  response.body as { items: ItemBody[]; total: number; page: number; pageSize: number };
