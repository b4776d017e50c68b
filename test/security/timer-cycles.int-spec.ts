import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

/**
 * Issue 13, finding 4: `R/PT1S` on a boundary timer fired every second for ever and
 * `R1000000/PT0.001S` wrote 33,000 audit events in 20 s. Deploy now refuses a cycle shorter
 * than TIMER_MIN_INTERVAL, one repeating more than TIMER_MAX_REPETITIONS times, and an
 * open-ended one shorter than TIMER_MIN_OPEN_INTERVAL on a task that may wait for ever, naming
 * the element and the limit; a cycle computed by FEEL that breaks them is an incident on the
 * task, and no timer is scheduled.
 */
describe('security: unbounded timer cycles', () => {
  let api: ApiHarness;
  let key: string;

  const HEAD =
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">';

  /** Start -> Review (user task) -> End, with a non-interrupting reminder of `cycle`. */
  const reminder = (id: string, cycle: string) =>
    `${HEAD}<bpmn:process id="${id}" isExecutable="true"><bpmn:startEvent id="Start"/>` +
    '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Review"/><bpmn:userTask id="Review"/>' +
    '<bpmn:sequenceFlow id="f2" sourceRef="Review" targetRef="End"/><bpmn:endEvent id="End"/>' +
    '<bpmn:boundaryEvent id="Remind" attachedToRef="Review" cancelActivity="false"><bpmn:timerEventDefinition>' +
    `<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">${cycle}</bpmn:timeCycle>` +
    '</bpmn:timerEventDefinition></bpmn:boundaryEvent>' +
    '<bpmn:sequenceFlow id="f3" sourceRef="Remind" targetRef="Reminded"/><bpmn:endEvent id="Reminded"/>' +
    '</bpmn:process></bpmn:definitions>';

  const deploy = (xml: string) =>
    api.http.post('/api/templates').set('Content-Type', 'application/xml').send(xml);

  beforeAll(async () => {
    api = await startApi();
    key = `timer-cycles-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  });

  afterAll(async () => {
    await api.close();
  });

  it.each([
    [
      'R/PT1S',
      'timeCycle "R/PT1S" repeats every PT1S, more often than the minimum timer interval PT1M',
    ],
    [
      'R1000000/PT0.001S',
      'timeCycle "R1000000/PT0.001S" repeats every PT0.001S, more often than the minimum timer interval PT1M',
    ],
    [
      'R1000000/PT1H',
      'timeCycle "R1000000/PT1H" repeats 1000000 times, more than the maximum of 1000 repetitions',
    ],
    [
      'R/PT1M',
      'timeCycle "R/PT1M" repeats every PT1M without end while its activity may wait for ever; give it a count (R<n>/…, n <= 1000), an end date, or a period of at least P1D',
    ],
  ])(
    'a reminder %s is refused at deploy, naming the element and the limit',
    async (cycle, message) => {
      const response = await deploy(reminder(`${key}-static`, cycle));

      const body = expectError(response, 422, 'TEMPLATE_INVALID');
      expect(body.details).toEqual([
        { elementId: 'Remind', bpmnType: 'bpmn:BoundaryEvent', message },
      ]);
      const deployed = await api.dataSource.query<unknown[]>(
        'SELECT 1 FROM process_definitions WHERE key = $1',
        [`${key}-static`],
      );
      expect(deployed).toEqual([]);
    },
  );

  it('a daily reminder until done, or an hourly one ten times, is accepted', async () => {
    expect((await deploy(reminder(`${key}-daily`, 'R/P1D'))).status).toBe(201);
    expect((await deploy(reminder(`${key}-hourly`, 'R10/PT1H'))).status).toBe(201);
  });

  it('a reminder cycle computed by FEEL as R/PT1S is an incident on the task, and no timer is scheduled', async () => {
    const id = `${key}-feel`;
    expect((await deploy(reminder(id, '=reminderCycle'))).status).toBe(201);

    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: id, variables: { reminderCycle: 'R/PT1S' } });

    expect(started.status).toBe(201);
    expect(started.body).toEqual(
      expect.objectContaining({
        state: 'incident',
        incidents: [
          expect.objectContaining({
            elementId: 'Review',
            message:
              'timer \'Remind\': timeCycle "R/PT1S" repeats every PT1S, more often than the minimum timer interval PT1M',
          }),
        ],
      }),
    );
    const timers = await api.dataSource.query<unknown[]>(
      'SELECT 1 FROM timers WHERE instance_id = $1',
      [(started.body as { id: string }).id],
    );
    expect(timers).toEqual([]);
  });

  it('the same template with a lawful cycle schedules its reminder', async () => {
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: `${key}-feel`, variables: { reminderCycle: 'R3/PT1H' } });

    expect((started.body as { state: string }).state).toBe('active');
    const timers = await api.dataSource.query<unknown[]>(
      'SELECT 1 FROM timers WHERE instance_id = $1',
      [(started.body as { id: string }).id],
    );
    expect(timers).toHaveLength(1);
  });
});
