import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { verifyAudit } from '@app/audit';
import { QueueName, queueLocation } from '@app/queue';
import { closeRedisConnection, redisConnection } from '@app/runtime';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { isolatedDatabase, testDataSource } from '../../support/database.js';
import { committeeUser } from '../../support/org.js';
import { AppProcess, freePort, waitFor } from '../../support/processes.js';

/**
 * The fault tests' stack: N api and M worker processes (the real `apps/*` entry points) on a
 * database of their own and the Redis the caller gives (one Redis, or a Redis Cluster), and the
 * scenario's template: a service task, a 1 s timer, a parallel fork and join of two service
 * tasks, a last service task.
 */
export const TEMPLATE = 'fault-chain';
/** Service tasks per instance, each expected to complete exactly once. */
export const SERVICE_TASKS = ['ServiceA', 'ServiceB', 'ServiceC', 'ServiceD'];

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="FaultDefs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${TEMPLATE}" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:serviceTask id="ServiceA"><bpmn:extensionElements><zeebe:taskDefinition type="noop"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:parallelGateway id="Fork"/>
    <bpmn:serviceTask id="ServiceB"><bpmn:extensionElements><zeebe:taskDefinition type="noop"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="ServiceC"><bpmn:extensionElements><zeebe:taskDefinition type="noop"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:parallelGateway id="Join"/>
    <bpmn:serviceTask id="ServiceD"><bpmn:extensionElements><zeebe:taskDefinition type="noop"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="ServiceA"/>
    <bpmn:sequenceFlow id="f2" sourceRef="ServiceA" targetRef="Wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Wait" targetRef="Fork"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Fork" targetRef="ServiceB"/>
    <bpmn:sequenceFlow id="f5" sourceRef="Fork" targetRef="ServiceC"/>
    <bpmn:sequenceFlow id="f6" sourceRef="ServiceB" targetRef="Join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="ServiceC" targetRef="Join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="Join" targetRef="ServiceD"/>
    <bpmn:sequenceFlow id="f9" sourceRef="ServiceD" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>
`;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` at most `ms` milliseconds. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** How long the processes may take to boot, all together. */
export const BOOT_TIMEOUT_MS = 75_000;

export interface FaultStackOptions {
  /** Names the database and temporary folder. */
  readonly tag: string;
  readonly apis: number;
  readonly workers: number;
  /** How the processes reach Redis: REDIS_URL, or REDIS_CLUSTER_NODES, and BULLMQ_PREFIX. */
  readonly redisEnv: Record<string, string>;
}

export class FaultStack {
  /** The api processes' base URLs (`http://127.0.0.1:<port>/api`), in the order of `apis`. */
  readonly bases: string[] = [];
  readonly apis: AppProcess[] = [];
  readonly workers: AppProcess[] = [];
  /** Instances each api answered 201 for, by index of `apis`. */
  readonly startedBy: number[] = [];
  private auth: { Authorization: string } = { Authorization: '' };

  private constructor(
    readonly dataSource: DataSource,
    private readonly database: { url: string; drop: () => Promise<void> },
    private readonly templates: string,
  ) {}

  /**
   * Starts the processes and waits until every api is healthy and has the template. Stops
   * whatever it started when that fails.
   */
  static async start(options: FaultStackOptions): Promise<FaultStack> {
    // Its own database: the workers' reconcilers sweep the whole database.
    const database = await isolatedDatabase(options.tag);
    const dataSource = await testDataSource(4, database.url);
    const templates = mkdtempSync(join(tmpdir(), `bf-${options.tag}-`));
    const stack = new FaultStack(dataSource, database, templates);
    try {
      const { token } = await committeeUser(dataSource, options.tag, ['supervisor']);
      stack.auth = { Authorization: `Bearer ${token}` };
      writeFileSync(join(templates, `${TEMPLATE}.bpmn`), XML);
      const env = {
        DATABASE_URL: database.url,
        TEMPLATES_DIR: templates,
        RECONCILE_INTERVAL_MS: '1000',
        LOG_LEVEL: 'warn',
        ...options.redisEnv,
      };
      for (let i = 0; i < options.apis; i++) {
        const port = await freePort();
        stack.bases.push(`http://127.0.0.1:${port}/api`);
        stack.apis.push(new AppProcess('api', { ...env, PORT: String(port) }));
        stack.startedBy.push(0);
      }
      for (let i = 0; i < options.workers; i++) {
        stack.workers.push(new AppProcess('worker', env));
      }
      for (const child of [...stack.apis, ...stack.workers]) child.start();
      // One deadline for all, inside the callers' hook timeouts, so that a failure says why.
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      const left = () => Math.max(1000, deadline - Date.now());
      for (const base of stack.bases) {
        await waitFor(
          `the api at ${base} to be healthy`,
          async () => (await fetch(`${base}/health`)).ok,
          left(),
        );
        await waitFor(
          'the template to be deployed',
          async () => (await fetch(`${base}/templates/${TEMPLATE}`, { headers: stack.auth })).ok,
          left(),
        );
      }
      // Every worker process takes jobs (a worker that died at boot would leave the test a
      // one-worker test without saying so)
      await stack.waitForWorkers(options.redisEnv, options.workers, left());
      return stack;
    } catch (error) {
      const tails = stack.processTails();
      await stack.stop();
      throw new Error(`${(error as Error).message}\n${tails}`);
    }
  }

  /** A request to api `index` as the committee supervisor the stack made (path after `/api`). */
  request(index: number, path: string, init: { method?: string; body?: unknown } = {}) {
    return fetch(`${this.bases[index]}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...this.auth },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  }

  /**
   * Starts `count` instances through the apis, 25 requests at a time, each request to the next
   * api in turn (as a round-robin load balancer would). Returns their ids.
   */
  async startInstances(count: number): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    for (let i = 0; i < count; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, count - i) }, async (_, k) => {
          const api = next++ % this.bases.length;
          const response = await fetch(`${this.bases[api]}/instances`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...this.auth },
            body: JSON.stringify({
              templateKey: TEMPLATE,
              businessKey: `fault-${i + k}`,
              variables: { n: i + k },
            }),
          }).catch((error: unknown) => {
            // A start the api never answered: say what the processes said at the time
            throw new Error(
              `starting instance ${i + k} through api ${api}: ${(error as Error).message} ` +
                `(${String((error as Error).cause)})\n${this.processTails()}`,
            );
          });
          expect(response.status).toBe(201);
          this.startedBy[api] = (this.startedBy[api] ?? 0) + 1;
          return ((await response.json()) as { id: string }).id;
        }),
      );
      ids.push(...batch);
    }
    return ids;
  }

  /** Waits until `count` workers listen on the advance queue (BullMQ's CLIENT LIST names). */
  private async waitForWorkers(
    redisEnv: Record<string, string>,
    count: number,
    timeoutMs: number,
  ): Promise<void> {
    const connection = redisConnection({
      REDIS_URL: redisEnv.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: redisEnv.REDIS_CLUSTER_NODES ?? '',
    });
    const location = queueLocation(QueueName.Advance, {
      prefix: redisEnv.BULLMQ_PREFIX ?? 'branchflow',
      connection,
    });
    const queue = new Queue(location.name, { connection, prefix: location.prefix });
    try {
      await waitFor(
        `${count} workers on the ${QueueName.Advance} queue`,
        async () => (await queue.getWorkersCount()) === count,
        timeoutMs,
      );
    } finally {
      await queue.close();
      await closeRedisConnection(connection);
    }
  }

  worker(index: number): AppProcess {
    const worker = this.workers[index];
    if (!worker) throw new Error(`no worker ${index}`);
    return worker;
  }

  /** Instances of the template that have reached their end. */
  async completed(): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM process_instances WHERE template_key = $1 AND state = 'completed'`,
      [TEMPLATE],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * The scenario's faults, set off while `count` instances are being started through the apis
   * in turn (on a fast machine every instance had ended by the time the last was started), each
   * once a share of them has ended: at 10 % worker 0 is killed with SIGKILL and restarted, at
   * 30 % `flush` empties Redis, at 50 % worker 1 is killed for good. Answers the instances' ids
   * and how many had ended at each fault.
   */
  async startUnderFaults(
    count: number,
    flush: () => Promise<unknown>,
  ): Promise<{ ids: string[]; doneAtFault: number[] }> {
    const starting = this.startInstances(count);
    starting.catch(() => undefined); // awaited below; the faults must not wait for it
    const [first, second] = [this.worker(0), this.worker(1)];
    const doneAtFault: number[] = [];
    doneAtFault.push(await this.untilCompleted(Math.ceil(count * 0.1)));
    first.kill9();
    await pause(500);
    first.start();
    doneAtFault.push(await this.untilCompleted(Math.ceil(count * 0.3)));
    await flush();
    doneAtFault.push(await this.untilCompleted(Math.ceil(count * 0.5)));
    second.kill9();
    return { ids: await starting, doneAtFault };
  }

  /**
   * Waits until at least `atLeast` instances have completed and answers how many had: the faults
   * are set off by progress, not after fixed pauses (on a fast machine every instance had ended
   * before the last fault of a schedule in seconds). Polled often, so a fault lands close to its
   * mark even when completions come in bursts.
   */
  async untilCompleted(atLeast: number, timeoutMs = 90_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = await this.completed();
      if (done >= atLeast) return done;
      if (Date.now() > deadline) {
        throw new Error(
          `${done} instances completed after ${timeoutMs} ms, waiting for ${atLeast}\n${this.processTails()}`,
        );
      }
      await pause(25);
    }
  }

  /** Waits until all `count` instances have completed; the error says how far they got. */
  async waitForAll(count: number, timeoutMs: number, atFaults: readonly number[]): Promise<void> {
    try {
      await waitFor(
        'every instance to complete',
        async () => (await this.completed()) === count,
        timeoutMs,
        1000,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}: ${await this.completed()} of ${count} completed (at the faults: ${atFaults.join(', ')})\n${this.processTails()}`,
      );
    }
  }

  /**
   * Then: no step was done twice — one task row and one completion per service task per
   * instance, one completion, timer firing and instance end each in the audit trail, one join
   * — and every instance's audit chain verifies.
   */
  async expectEachStepOnce(ids: readonly string[]): Promise<void> {
    const steps = await this.dataSource.query<
      { element_id: string; rows: number; completed: number; max_per_instance: number }[]
    >(
      `SELECT element_id, count(*)::int AS rows, count(*) FILTER (WHERE state = 'completed')::int AS completed,
              max(per)::int AS max_per_instance
         FROM (SELECT element_id, state, count(*) OVER (PARTITION BY instance_id, element_id) AS per
                 FROM tasks WHERE instance_id = ANY($1::uuid[])) t
        GROUP BY element_id ORDER BY element_id`,
      [ids],
    );
    expect(steps).toEqual(
      SERVICE_TASKS.map((element) => ({
        element_id: element,
        rows: ids.length,
        completed: ids.length,
        max_per_instance: 1,
      })),
    );
    const doubled = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (
         SELECT instance_id, element_id, type FROM audit_events
          WHERE instance_id = ANY($1::uuid[]) AND type IN ('task.completed', 'timer.fired', 'instance.completed')
          GROUP BY instance_id, element_id, type HAVING count(*) > 1) d`,
      [ids],
    );
    expect(doubled).toEqual([{ n: 0 }]);
    const joins = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE instance_id = ANY($1::uuid[]) AND type = 'element.activated' AND element_id = 'Join'`,
      [ids],
    );
    expect(joins).toEqual([{ n: ids.length }]);
    const broken: unknown[] = [];
    for (const id of ids) {
      const result = await verifyAudit(this.dataSource.manager, { stream: id });
      if (!result.ok) broken.push(result.broken);
    }
    expect(broken).toEqual([]);
  }

  /** The last lines of every process's output, for a failure's message. */
  processTails(): string {
    return [
      ...this.workers.map((worker, i) => `--- worker ${i} ---\n${worker.tail()}`),
      ...this.apis.map((api, i) => `--- api ${i} ---\n${api.tail()}`),
    ].join('\n');
  }

  /** Stops the processes (SIGTERM, SIGKILL after 10 s), drops the database, removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.apis, ...this.workers].map(async (child) => {
        // A child that already died of a signal never emits 'exit' again: bound the wait.
        await within(child.stop(10_000), 12_000);
        child.kill9();
      }),
    );
    await this.dataSource.destroy().catch(() => undefined);
    await this.database.drop();
    rmSync(this.templates, { recursive: true, force: true });
  }
}
