/**
 * Issue 13, findings 3, 9 and 12: hostile templates against the real api. Each bomb runs while
 * a watchdog asks /api/health every 100 ms: every answer must be 200 and the api's heap must
 * stay within HEAP_BOUND of what it was before the bombs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { caller, flatTasks, nestedSubProcesses } from '../support/hostile-bpmn.js';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

/** The stated bound: the api's heap grows by less than this while the bombs go off. */
const HEAP_BOUND = 768 * 1024 * 1024;

class Watchdog {
  readonly statuses: number[] = [];
  maxHeap = 0;
  longestGapMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = performance.now();

  constructor(private readonly url: string) {}

  start(): void {
    this.timer = setInterval(() => {
      fetch(this.url).then(
        (response) => {
          this.statuses.push(response.status);
          const now = performance.now();
          this.longestGapMs = Math.max(this.longestGapMs, now - this.last);
          this.last = now;
        },
        () => this.statuses.push(0),
      );
      this.maxHeap = Math.max(this.maxHeap, process.memoryUsage().heapUsed);
    }, 100);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('hostile templates (issue 13: findings 3, 9, 12)', () => {
  let api: ApiHarness;
  let watchdog: Watchdog;
  let heapBefore: number;
  const deploy = (xml: string, name: string) =>
    api.http.post(`/api/templates?name=${name}`).set('Content-Type', 'application/xml').send(xml);

  beforeAll(async () => {
    api = await startApi();
    const address = api.app.getHttpServer().address() as { port: number };
    heapBefore = process.memoryUsage().heapUsed;
    watchdog = new Watchdog(`http://127.0.0.1:${address.port}/api/health`);
    watchdog.start();
  });

  afterAll(async () => {
    watchdog.stop();
    await api.close();
  });

  it('refuses a call activity that calls its own process, naming it', async () => {
    const body = expectError(
      await deploy(caller(`self-${api.tag}`, `self-${api.tag}`), 'self.bpmn'),
      422,
      'TEMPLATE_INVALID',
    );
    expect(body.details).toEqual([
      expect.objectContaining({
        elementId: 'Call',
        bpmnType: 'bpmn:CallActivity',
        message: expect.stringContaining(`calls its own process 'self-${api.tag}'`),
      }),
    ]);
  });

  it('refuses the second of two templates that call each other, naming the cycle through the deployed one', async () => {
    const a = `a-${api.tag}`;
    const b = `b-${api.tag}`;
    expect((await deploy(caller(a, b), 'a.bpmn')).status).toBe(201);
    const body = expectError(await deploy(caller(b, a), 'b.bpmn'), 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual([
      expect.objectContaining({
        elementId: 'Call',
        message: expect.stringContaining(`${b} (Call) → ${a} (Call) → ${b}`),
      }),
    ]);
  });

  it('deploys a FEEL-computed self call, and starting it ends in an incident at the depth limit', async () => {
    const key = `feel-self-${api.tag}`;
    expect((await deploy(caller(key, '=target'), 'feel-self.bpmn')).status).toBe(201);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, variables: { target: key } });
    expect(started.status).toBe(201);
    expect(started.body).toEqual(
      expect.objectContaining({
        state: 'incident',
        incidents: [
          expect.objectContaining({
            elementId: 'Call',
            message: expect.stringContaining('CALL_ACTIVITY_MAX_DEPTH'),
          }),
        ],
      }),
    );
    expect(
      (await api.http.get(`/api/instances/${(started.body as { id: string }).id}`)).status,
    ).toBe(200);
  });

  it('refuses 48,000 flat tasks (just under the 5 MB body limit) quickly, naming the element limit', async () => {
    const xml = flatTasks(`flat-${api.tag}`, 48_000);
    expect(xml.length).toBeLessThan(5 * 1024 * 1024);
    const body = expectError(await deploy(xml, 'flat.bpmn'), 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual([
      expect.objectContaining({ message: expect.stringContaining('TEMPLATE_MAX_ELEMENTS') }),
    ]);
  });

  it('refuses 20,000 nested sub-processes with a 4xx naming the depth limit (not a 500)', async () => {
    const body = expectError(
      await deploy(nestedSubProcesses(`deep-${api.tag}`, 20_000), 'deep.bpmn'),
      422,
      'TEMPLATE_INVALID',
    );
    expect(body.details).toEqual([
      expect.objectContaining({ message: expect.stringContaining('TEMPLATE_MAX_DEPTH') }),
    ]);
  });

  it('refuses a Camunda 7 model instead of dropping its attributes', async () => {
    const xml = caller(`c7-${api.tag}`, 'x').replace(
      '<bpmn:callActivity id="Call">',
      '<bpmn:callActivity id="Call" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:asyncBefore="true">',
    );
    const body = expectError(await deploy(xml, 'c7.bpmn'), 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual([
      expect.objectContaining({ message: expect.stringContaining('this is a Camunda 7 model') }),
    ]);
  });

  /** Process `id`: Start -> `tasks` (flow nodes with ids, in order) -> End. */
  const model = (id: string, start: string, tasks: readonly string[], namespaces = '') => {
    const ids = ['Start', ...tasks.map((task) => /id="([^"]+)"/.exec(task)![1]), 'End'];
    const flows = ids
      .slice(1)
      .map((to, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i]}" targetRef="${to}"/>`);
    return (
      '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
      `xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ${namespaces} id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">` +
      `<bpmn:process id="${id}" isExecutable="true">${start}${tasks.join('')}<bpmn:endEvent id="End"/>${flows.join('')}</bpmn:process></bpmn:definitions>`
    );
  };
  const deployed = async (key: string) =>
    (await api.http.get(`/api/templates/${key}`)).status === 200;

  it('refuses a Camunda 8 model whose start event sets a counter in zeebe:ioMapping and whose user task has zeebe:taskListeners, naming each element and extension (finding 12)', async () => {
    const key = `c8-${api.tag}`;
    const xml = model(
      key,
      '<bpmn:startEvent id="Start"><bpmn:extensionElements><zeebe:ioMapping>' +
        '<zeebe:output source="=0" target="counter"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:startEvent>',
      [
        '<bpmn:userTask id="Approve"><bpmn:extensionElements><zeebe:taskListeners>' +
          '<zeebe:taskListener eventType="assigning" type="assign-approver"/>' +
          '</zeebe:taskListeners></bpmn:extensionElements></bpmn:userTask>',
      ],
    );
    const body = expectError(await deploy(xml, 'c8.bpmn'), 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual([
      {
        elementId: 'Start',
        bpmnType: 'bpmn:StartEvent',
        message:
          'zeebe:ioMapping on bpmn:StartEvent is not executed here (supported on bpmn:StartEvent: zeebe:properties)',
      },
      {
        elementId: 'Approve',
        bpmnType: 'bpmn:UserTask',
        message: expect.stringMatching(
          /^zeebe:taskListeners on bpmn:UserTask is not executed here \(supported on bpmn:UserTask: .*zeebe:assignmentDefinition/,
        ) as unknown,
      },
    ]);
    expect(await deployed(key)).toBe(false);
  });

  it('refuses camunda:assignee and camunda:formKey instead of dropping them, saying it is a Camunda 7 model (finding 12)', async () => {
    const key = `c7-task-${api.tag}`;
    const xml = model(
      key,
      '<bpmn:startEvent id="Start"/>',
      [
        '<bpmn:userTask id="Review" camunda:assignee="demo" camunda:formKey="embedded:app:review.html"/>',
      ],
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    );
    const body = expectError(await deploy(xml, 'c7-task.bpmn'), 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual(
      ['camunda:assignee', 'camunda:formKey'].map((attribute) => ({
        elementId: 'Review',
        bpmnType: 'bpmn:UserTask',
        message: expect.stringContaining(
          `this is a Camunda 7 model: attribute ${attribute} is Camunda 7 and not executed here; Camunda 8 (zeebe) extensions are supported`,
        ),
      })),
    );
    expect(await deployed(key)).toBe(false);
  });

  it('kept the api healthy throughout: every health check 200, heap within the bound', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watchdog.statuses.length).toBeGreaterThan(0);
    expect(watchdog.statuses.filter((status) => status !== 200)).toEqual([]);
    expect(watchdog.maxHeap - heapBefore).toBeLessThan(HEAP_BOUND);
    expect((await api.anonymous.get('/api/health')).status).toBe(200);
    process.stdout.write(
      `hostile models: ${watchdog.statuses.length} health checks, longest gap ${Math.round(watchdog.longestGapMs)} ms, heap +${Math.round((watchdog.maxHeap - heapBefore) / 1048576)} MiB\n`,
    );
  });
});
