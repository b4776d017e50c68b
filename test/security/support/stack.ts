/**
 * The real api and the real worker, in-process, on a database of their own (migrated) with
 * one BullMQ prefix, the worker's clock the api's: what an attack goes through end to end. A
 * small organisation: the api harness's committee > general > branch A, branch B, with members
 * in both branches and a user per role.
 */
import { type Member, OrgDirectory } from '@app/org';
import { loadEnv } from '@app/config';
import { InstanceRuntime } from '@app/store';
import type { INestApplicationContext } from '@nestjs/common';
import { deletePrefixKeys } from '../../support/redis-keys.js';
import { createWorkerApp, type WorkerAppOptions } from '../../../apps/worker/src/index.js';
import { type ApiHarness, type SuiteUser, startApi } from '../../api/api-harness.js';
import { isolatedDatabase } from '../../support/database.js';
import { templateForms } from '../../support/template-forms.js';
import { FAST_RETRIES } from '../../worker/support/harness.js';

export { waitFor } from '../../worker/support/harness.js';

export interface Stack {
  readonly api: ApiHarness;
  readonly worker: INestApplicationContext;
  /** The worker's runtime (starts instances behind the api's back, as old data would be). */
  readonly runtime: InstanceRuntime;
  readonly directory: OrgDirectory;
  /** Members of branch A and of branch B (full members, three each). */
  readonly members: { readonly a: readonly Member[]; readonly b: readonly Member[] };
  readonly users: {
    readonly secretaryA: SuiteUser;
    readonly secretaryB: SuiteUser;
    /** Supervisor of the general branch over A and B. */
    readonly supervisor: SuiteUser;
    /** A member of branch A, the user of `members.a[0]`. */
    readonly memberA: SuiteUser & { readonly memberId: string };
    /** Integrator on the committee (deploys templates). */
    readonly integrator: SuiteUser;
  };
  /** Deploys a BPMN document through the api, as an integrator. */
  deploy(xml: string): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Forms written to the templates folder (`forms/<name>.form`). */
  readonly forms?: Record<string, object>;
  /** Extra service-task handlers of the worker. */
  readonly handlers?: WorkerAppOptions['handlers'];
}

export async function startStack(tag: string, options: StackOptions = {}): Promise<Stack> {
  const database = await isolatedDatabase(`sec_${tag}`);
  const prefix = `sec-${tag}-${process.pid}-${Date.now().toString(36)}`;
  const overrides = {
    DATABASE_URL: database.url,
    BULLMQ_PREFIX: prefix,
    // The api deploys only types a worker serves: the built-in ones and these
    SERVICE_TASK_TYPES: Object.keys(options.handlers ?? {}).join(','),
  };
  const api = await startApi({ forms: options.forms, env: overrides });
  const env = loadEnv({
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL,
    BULLMQ_PREFIX: prefix,
    TEMPLATES_DIR: api.templatesDir,
    WORKER_CONCURRENCY: '2',
  });
  const worker = await createWorkerApp({
    env,
    clock: api.clock,
    handlers: options.handlers,
    jobOptions: FAST_RETRIES,
    logger: ['fatal'],
  });
  const directory = api.app.get(OrgDirectory);
  const member = (orgUnitId: string, name: string) =>
    directory.createMember({ orgUnitId, name, status: 'full', admissionDate: '2010-01-01' });
  const a = [
    await member(api.org.branchA, '甲一'),
    await member(api.org.branchA, '甲二'),
    await member(api.org.branchA, '甲三'),
  ];
  const b = [
    await member(api.org.branchB, '乙一'),
    await member(api.org.branchB, '乙二'),
    await member(api.org.branchB, '乙三'),
  ];
  const memberA = await api.user(
    `member-a-${api.tag}`,
    [{ role: 'member', orgUnitId: api.org.branchA }],
    a[0].id,
  );
  const users = {
    secretaryA: await api.user(`sec-a-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]),
    secretaryB: await api.user(`sec-b-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
    ]),
    supervisor: await api.user(`sup-${api.tag}`, [
      { role: 'supervisor', orgUnitId: api.org.general },
    ]),
    memberA: { ...memberA, memberId: a[0].id },
    integrator: await api.user(`int-${api.tag}`, [
      { role: 'integrator', orgUnitId: api.org.committee },
    ]),
  };
  return {
    api,
    worker,
    runtime: worker.get(InstanceRuntime),
    directory,
    members: { a, b },
    users,
    async deploy(xml) {
      // forms deploy with their template (issue 14): the stack's forms go with every file
      const response = await users.integrator.http
        .post('/api/templates')
        .send({ bpmn: xml, forms: { ...(await templateForms()), ...options.forms } });
      if (response.status !== 201) {
        throw new Error(`deploy: ${response.status} ${JSON.stringify(response.body)}`);
      }
    },
    async close() {
      await worker.close();
      await api.close();
      await deletePrefixKeys(env.REDIS_URL, prefix);
      await database.drop();
    },
  };
}

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">`;

/** A process `id`: start -> `nodes` in order (each a flow node's XML with an id) -> end. */
export function chainXml(id: string, nodes: readonly string[]): string {
  const ids = ['Start', ...nodes.map((node) => /id="([^"]+)"/.exec(node)![1]), 'End'];
  const flows = ids
    .slice(1)
    .map(
      (target, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i]}" targetRef="${target}"/>`,
    );
  return `${HEAD}\n<bpmn:process id="${id}" isExecutable="true">\n${[
    `<bpmn:startEvent id="Start"/>`,
    ...nodes,
    `<bpmn:endEvent id="End"/>`,
    ...flows,
  ].join('\n')}\n</bpmn:process>\n</bpmn:definitions>\n`;
}

/** A user task; `extensions` goes into its extensionElements (zeebe:assignmentDefinition …). */
export function userTaskXml(id: string, extensions = ''): string {
  return `<bpmn:userTask id="${id}" name="${id}">${extensions ? `<bpmn:extensionElements>${extensions}</bpmn:extensionElements>` : ''}</bpmn:userTask>`;
}

/** A service task of job type `type` with static headers. */
export function serviceTaskXml(
  id: string,
  type: string,
  headers: Record<string, string> = {},
): string {
  const header = Object.entries(headers)
    .map(([key, value]) => `<zeebe:header key="${key}" value="${value}"/>`)
    .join('');
  return `<bpmn:serviceTask id="${id}" name="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${type}"/>${header ? `<zeebe:taskHeaders>${header}</zeebe:taskHeaders>` : ''}</bpmn:extensionElements></bpmn:serviceTask>`;
}
