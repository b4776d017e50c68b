import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

/**
 * Issue 13, finding 3 (FEEL): lint and deploy accepted `count(for i in 1..100000000 return i)`
 * (the api ran out of heap and exited) and a `string join` over 10 million items (11 s blocked,
 * 2.3 GB held). Now literal ranges beyond FEEL_MAX_LIST are refused at deploy, naming the
 * element and the limit; the same bombs fed by variables at run time, and an exponential
 * recursive function, stop at FEEL_TIME_BUDGET_MS and become an incident on the element.
 * A watchdog asks GET /api/health every 100 ms throughout: every answer is 200, none waits
 * longer than WATCHDOG_MAX_MS, and the api's heap (this process) grows by less than HEAP_BOUND.
 */
describe('security: hostile FEEL in templates', () => {
  const BUDGET_MS = 100;
  const WATCHDOG_MAX_MS = 2000;
  const HEAP_BOUND = 300 * 1024 * 1024;
  let api: ApiHarness;
  let key: string;

  const HEAD =
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">';
  const escape = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

  /** Start -> Compute (a user task whose input mapping is `expression`) -> End. */
  const mapping = (id: string, expression: string) =>
    `${HEAD}<bpmn:process id="${id}" isExecutable="true"><bpmn:startEvent id="Start"/>` +
    '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Compute"/>' +
    '<bpmn:userTask id="Compute"><bpmn:extensionElements><zeebe:ioMapping>' +
    `<zeebe:input source="=${escape(expression)}" target="result"/>` +
    '</zeebe:ioMapping></bpmn:extensionElements></bpmn:userTask>' +
    '<bpmn:sequenceFlow id="f2" sourceRef="Compute" targetRef="End"/><bpmn:endEvent id="End"/>' +
    '</bpmn:process></bpmn:definitions>';

  /** Start -> Ask (user task) -> Decide (exclusive gateway: `condition` or default) -> End. */
  const gateway = (id: string, condition: string) =>
    `${HEAD}<bpmn:process id="${id}" isExecutable="true"><bpmn:startEvent id="Start"/>` +
    '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Ask"/><bpmn:userTask id="Ask"/>' +
    '<bpmn:sequenceFlow id="f2" sourceRef="Ask" targetRef="Decide"/>' +
    '<bpmn:exclusiveGateway id="Decide" default="fNo"/>' +
    '<bpmn:sequenceFlow id="fYes" sourceRef="Decide" targetRef="End">' +
    `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=${escape(condition)}</bpmn:conditionExpression>` +
    '</bpmn:sequenceFlow><bpmn:sequenceFlow id="fNo" sourceRef="Decide" targetRef="End"/>' +
    '<bpmn:endEvent id="End"/></bpmn:process></bpmn:definitions>';

  const deploy = (xml: string) =>
    api.http.post('/api/templates').set('Content-Type', 'application/xml').send(xml);

  interface Watch {
    stop(): Promise<{ statuses: number[]; slowest: number; heapGrowth: number }>;
  }

  /** Polls GET /api/health every 100 ms and samples the heap until stopped. */
  function watchdog(): Watch {
    const statuses: number[] = [];
    const pending: Promise<void>[] = [];
    let slowest = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let heapMax = heapBefore;
    const timer = setInterval(() => {
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
      const sent = performance.now();
      pending.push(
        api.anonymous.get('/api/health').then(
          (response) => {
            statuses.push(response.status);
            slowest = Math.max(slowest, performance.now() - sent);
            heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
          },
          () => {
            statuses.push(0);
          },
        ),
      );
    }, 100);
    return {
      async stop() {
        clearInterval(timer);
        await Promise.all(pending);
        return { statuses, slowest, heapGrowth: heapMax - heapBefore };
      },
    };
  }

  /** Runs `attack` under the watchdog and asserts the api stayed healthy throughout. */
  async function survives(attack: () => Promise<void>): Promise<void> {
    const watch = watchdog();
    await new Promise((resolve) => setTimeout(resolve, 250));
    await attack();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { statuses, slowest, heapGrowth } = await watch.stop();
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(slowest).toBeLessThan(WATCHDOG_MAX_MS);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
  }

  beforeAll(async () => {
    api = await startApi({ env: { FEEL_TIME_BUDGET_MS: String(BUDGET_MS) } });
    key = `hostile-feel-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  });

  afterAll(async () => {
    await api.close();
  });

  describe('literal bombs are refused at deploy, naming the element and the limit', () => {
    it.each([
      [
        'a for over 1..100000000',
        'count(for i in 1..100000000 return i)',
        "zeebe:input mapping for 'result' is not valid FEEL: its literal ranges make 100,000,000 iterations, more than the limit of 10,000",
      ],
      [
        'a string join over 10 million items',
        'string join(for i in 1..10000000 return "x")',
        "zeebe:input mapping for 'result' is not valid FEEL: its literal ranges make 10,000,000 iterations, more than the limit of 10,000",
      ],
    ])('%s', async (_, expression, message) => {
      await survives(async () => {
        const response = await deploy(mapping(`${key}-literal`, expression));
        const body = expectError(response, 422, 'TEMPLATE_INVALID');
        expect(body.details).toEqual([
          { elementId: 'Compute', bpmnType: 'bpmn:UserTask', message },
        ]);
      });
    });
  });

  describe('bombs fed by variables stop at the time budget and become an incident on the element', () => {
    it.each([
      ['a for over 1..n, n = 100,000,000', 'count(for i in 1..n return i)', { n: 100_000_000 }],
      [
        'a string join over n = 10,000,000 items',
        'string length(string join(for i in 1..n return "x"))',
        { n: 10_000_000 },
      ],
      [
        'an exponential recursive function',
        '{fib: function(k) if k <= 1 then k else fib(k - 1) + fib(k - 2), r: fib(n)}.r',
        { n: 45 },
      ],
    ])('%s, at the start of an instance', async (name, expression, variables) => {
      const id = `${key}-run-${name.replace(/[^a-z]/g, '').slice(0, 20)}`;
      expect((await deploy(mapping(id, expression))).status).toBe(201);
      await survives(async () => {
        const started = await api.http.post('/api/instances').send({ templateKey: id, variables });
        expect(started.status).toBe(201);
        expect(started.body).toEqual(
          expect.objectContaining({
            state: 'incident',
            openTasks: [],
            incidents: [
              expect.objectContaining({
                elementId: 'Compute',
                message: `FEEL expression "${expression}" ran longer than the time budget of ${BUDGET_MS} ms (the FEEL time limit)`,
              }),
            ],
          }),
        );
      });
    });

    it('a condition that iterates over a submitted number, at the completion of a task', async () => {
      const id = `${key}-gateway`;
      expect((await deploy(gateway(id, 'some i in 1..n satisfies i < 0'))).status).toBe(201);
      const started = await api.http.post('/api/instances').send({ templateKey: id });
      const { id: instanceId, openTasks } = started.body as {
        id: string;
        openTasks: { id: string }[];
      };
      await survives(async () => {
        const completed = await api.http
          .post(`/api/tasks/${openTasks[0].id}/complete`)
          .send({ variables: { n: 100_000_000 } });
        expect(completed.status).toBeLessThan(300);
      });
      const instance = await api.http.get(`/api/instances/${instanceId}`);
      expect(instance.body).toEqual(
        expect.objectContaining({
          state: 'incident',
          incidents: [
            expect.objectContaining({
              elementId: 'Decide',
              message: expect.stringContaining(
                `ran longer than the time budget of ${BUDGET_MS} ms`,
              ) as unknown,
            }),
          ],
        }),
      );
    });
  });

  describe('results over the size limits (fast, so no time budget stops them) become an incident on the element', () => {
    it.each([
      [
        'a list of 12,000 items from a list of 6,000',
        'concatenate(xs, xs)',
        { xs: Array.from({ length: 6_000 }, (_, i) => i) },
        'has a result with more than 10,000 list items (the FEEL list limit)',
      ],
      [
        '1,200,000 characters from a text of 600,000',
        's + s',
        { s: 'x'.repeat(600_000) },
        'has a result with more than 1,000,000 characters of text (the FEEL text limit)',
      ],
    ])('%s, at the start of an instance', async (name, expression, variables, limit) => {
      const id = `${key}-size-${name.replace(/[^a-z]/g, '').slice(0, 20)}`;
      expect((await deploy(mapping(id, expression))).status).toBe(201);
      await survives(async () => {
        const started = await api.http.post('/api/instances').send({ templateKey: id, variables });
        expect(started.status).toBe(201);
        expect(started.body).toEqual(
          expect.objectContaining({
            state: 'incident',
            openTasks: [],
            incidents: [
              expect.objectContaining({
                elementId: 'Compute',
                message: `FEEL expression "${expression}" ${limit}`,
              }),
            ],
          }),
        );
      });
    });
  });

  it('after the bombs, the same api runs an ordinary instance to its end', async () => {
    const id = `${key}-ordinary`;
    expect((await deploy(gateway(id, 'score >= 60'))).status).toBe(201);
    const started = await api.http.post('/api/instances').send({ templateKey: id });
    const { id: instanceId, openTasks } = started.body as {
      id: string;
      openTasks: { id: string }[];
    };
    const completed = await api.http
      .post(`/api/tasks/${openTasks[0].id}/complete`)
      .send({ variables: { score: 70 } });
    expect(completed.status).toBeLessThan(300);
    const instance = await api.http.get(`/api/instances/${instanceId}`);
    expect((instance.body as { state: string }).state).toBe('completed');
  });
});
