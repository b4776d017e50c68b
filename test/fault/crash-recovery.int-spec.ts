import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyAudit } from '@app/audit';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { isolatedDatabase, testDataSource } from '../support/database.js';
import { committeeUser } from '../support/org.js';
import { AppProcess, freePort, waitFor } from '../support/processes.js';

/**
 * Fault test: several hundred instances run through the real api and worker processes while
 * the worker is killed with SIGKILL twice and the Redis database is flushed once. Every
 * instance must reach its end with no step done twice and the audit chains intact.
 *
 * Redis: this suite owns database index FAULT_REDIS_DB and flushes that database
 * (FLUSHDB — the same as FLUSHALL for everything this product keeps there) so that suites
 * running in parallel on other indexes are not disturbed.
 */
const INSTANCES = Number(process.env.FAULT_INSTANCES ?? 300);
const FAULT_REDIS_DB = 11;
const TEMPLATE = 'fault-chain';
/** Service tasks per instance, each expected to complete exactly once. */
const SERVICE_TASKS = ['ServiceA', 'ServiceB', 'ServiceC', 'ServiceD'];

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

describe('fault tolerance: kill -9 the worker twice and flush Redis under load', () => {
  let dataSource: DataSource;
  let api: AppProcess;
  let worker: AppProcess;
  let redis: Redis;
  let base: string;
  let templates: string;
  let database: { url: string; drop: () => Promise<void> };
  let auth: { Authorization: string };

  beforeAll(async () => {
    // Its own database: the worker's reconciler sweeps the whole database.
    database = await isolatedDatabase('fault');
    dataSource = await testDataSource(4, database.url);
    const { token } = await committeeUser(dataSource, 'fault', ['supervisor']);
    auth = { Authorization: `Bearer ${token}` };
    templates = mkdtempSync(join(tmpdir(), 'bf-fault-'));
    writeFileSync(join(templates, `${TEMPLATE}.bpmn`), XML);
    const port = await freePort();
    base = `http://127.0.0.1:${port}/api`;
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:6379/${FAULT_REDIS_DB}`,
      BULLMQ_PREFIX: `fault-${process.pid}`,
      PORT: String(port),
      TEMPLATES_DIR: templates,
      RECONCILE_INTERVAL_MS: '1000',
      LOG_LEVEL: 'warn',
    };
    redis = new Redis({ host: '127.0.0.1', port: 6379, db: FAULT_REDIS_DB });
    await redis.flushdb();
    api = new AppProcess('api', env);
    worker = new AppProcess('worker', env);
    api.start();
    worker.start();
    await waitFor('the api to be healthy', async () => (await fetch(`${base}/health`)).ok, 60_000);
    await waitFor(
      'the template to be deployed',
      async () => (await fetch(`${base}/templates/${TEMPLATE}`, { headers: auth })).ok,
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await redis?.flushdb();
    redis?.disconnect();
    await dataSource?.destroy();
    await database?.drop();
    rmSync(templates, { recursive: true, force: true });
  }, 60_000);

  it(`brings all ${INSTANCES} instances to their end with no step doubled and the audit intact`, async () => {
    // Given several hundred instances started through the api
    const ids: string[] = [];
    for (let i = 0; i < INSTANCES; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, INSTANCES - i) }, async (_, k) => {
          const response = await fetch(`${base}/instances`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({
              templateKey: TEMPLATE,
              businessKey: `fault-${i + k}`,
              variables: { n: i + k },
            }),
          });
          expect(response.status).toBe(201);
          return ((await response.json()) as { id: string }).id;
        }),
      );
      ids.push(...batch);
    }
    // When the worker is killed, Redis flushed, and the worker killed again, mid-flight
    const completed = async () =>
      (
        await dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM process_instances WHERE template_key = $1 AND state = 'completed'`,
          [TEMPLATE],
        )
      )[0]?.n ?? 0;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const doneAtFault: number[] = [];
    await pause(1500);
    doneAtFault.push(await completed());
    worker.kill9();
    await pause(500);
    worker.start();
    await pause(2000);
    doneAtFault.push(await completed());
    await redis.flushdb();
    await pause(1500);
    doneAtFault.push(await completed());
    worker.kill9();
    await pause(500);
    worker.start();
    // (the faults hit work in flight: instances were still running at the first of them)
    expect(doneAtFault[0]).toBeLessThan(INSTANCES);

    // Then every instance completes
    try {
      await waitFor(
        'every instance to complete',
        async () => (await completed()) === INSTANCES,
        240_000,
        1000,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}: ${await completed()} of ${INSTANCES} completed (at the faults: ${doneAtFault.join(', ')})\n--- worker ---\n${worker.tail()}\n--- api ---\n${api.tail()}`,
      );
    }
    // And no step was done twice: one task row and one completion per service task per instance
    const steps = await dataSource.query<
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
        rows: INSTANCES,
        completed: INSTANCES,
        max_per_instance: 1,
      })),
    );
    const doubled = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (
         SELECT instance_id, element_id, type FROM audit_events
          WHERE instance_id = ANY($1::uuid[]) AND type IN ('task.completed', 'timer.fired', 'instance.completed')
          GROUP BY instance_id, element_id, type HAVING count(*) > 1) d`,
      [ids],
    );
    expect(doubled).toEqual([{ n: 0 }]);
    const joins = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE instance_id = ANY($1::uuid[]) AND type = 'element.activated' AND element_id = 'Join'`,
      [ids],
    );
    expect(joins).toEqual([{ n: INSTANCES }]);
    // And every instance's audit chain verifies
    const broken: unknown[] = [];
    for (const id of ids) {
      const result = await verifyAudit(dataSource.manager, { stream: id });
      if (!result.ok) broken.push(result.broken);
    }
    expect(broken).toEqual([]);
  }, 300_000);
});
