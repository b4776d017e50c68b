import { describe, expect, it } from '@jest/globals';
import type { Effect, ProcessRegistry, Task } from '@app/engine';
import { type ProjectionContext, projectEffects } from './effects-projection.js';
import type { EndedUserTask, NewUserTask, ProjectedStep, StepProjector } from './step-projector.js';
import { WriteBatch } from './write-batch.js';

const NOW = Date.parse('2026-03-02T09:00:00+08:00');

const task = (key: string, elementId: string, kind: Task['kind'] = 'user'): Task => ({
  key,
  kind,
  elementId,
  elementInstanceKey: `e${key}`,
  processRef: 'p:1',
  name: elementId === 'Plan' ? '制定计划' : null,
  createdAt: NOW,
  assignee: null,
  candidateGroups: ['role:secretary'],
  candidateUsers: [],
  dueAt: NOW + 86_400_000,
  followUpAt: null,
  formKey: null,
  formId: null,
  priority: null,
  jobType: kind === 'service' ? 'notify' : null,
  retries: null,
  headers: {},
});

// The elements the projection looks up: documentation (工作标准) and zeebe:properties
const registry = {
  byRef: () => ({
    nodes: {
      Plan: { kind: 'userTask', documentation: '月初5日前', properties: {}, boundaryEvents: [] },
      Approve: {
        kind: 'userTask',
        documentation: null,
        properties: { 'ledger.verifies': 'instance' },
        boundaryEvents: [],
      },
      Notify: { kind: 'serviceTask', documentation: null, boundaryEvents: [] },
    },
  }),
  latest: () => undefined,
} as unknown as ProcessRegistry;

/** A projector that records what it was given and writes one row per created task. */
function recorder(name: string) {
  const calls: { created: NewUserTask[]; ended: EndedUserTask[]; step: ProjectedStep }[] = [];
  const projector: StepProjector = {
    name,
    project: (created, ended, step) => {
      calls.push({ created: [...created], ended: [...ended], step });
      return {
        writes: created.map((c) => ({
          sql: `INSERT INTO ${name} (task_id) VALUES ($1)`,
          params: [c.taskId],
        })),
        audit: [
          {
            type: `${name}.seen`,
            actor: step.actor,
            instanceId: step.instanceId,
            elementId: null,
            at: step.now,
          },
        ],
      };
    },
  };
  return { projector, calls };
}

const context = (projectors: readonly StepProjector[]): ProjectionContext => ({
  instanceId: '0b0f6a52-5a0e-4f38-9d3e-3c4f0f1b2a10',
  actor: 'alice',
  now: NOW,
  zone: 'Asia/Shanghai',
  registry,
  reminderOffsets: [],
  orgUnitId: 'branch-rd',
  templateKey: 'theme-day',
  projectors,
});

describe('projectEffects', () => {
  it('given projectors, when a step creates and ends user tasks, then each projector gets the user tasks only, in order, and its writes and audit join the step', () => {
    const first = recorder('first');
    const second = recorder('second');
    const batch = new WriteBatch();
    const effects: Effect[] = [
      { type: 'task.created', task: task('3', 'Plan') },
      { type: 'task.created', task: task('4', 'Notify', 'service') },
      {
        type: 'task.completed',
        task: task('1', 'Approve'),
        variables: { approved: true },
      },
      { type: 'task.cancelled', task: task('2', 'Plan') },
    ];

    const projection = projectEffects(batch, effects, context([first.projector, second.projector]));

    expect(first.calls).toHaveLength(1);
    const [{ created, ended, step }] = first.calls;
    expect(created).toEqual([
      expect.objectContaining({
        engineKey: '3',
        elementId: 'Plan',
        title: '制定计划',
        standard: '月初5日前',
        responsible: 'role:secretary',
        dueAt: NOW + 86_400_000,
        ended: null,
      }),
    ]);
    expect(ended).toEqual([
      {
        engineKey: '1',
        elementId: 'Approve',
        state: 'completed',
        variables: { approved: true },
        properties: { 'ledger.verifies': 'instance' },
      },
      {
        engineKey: '2',
        elementId: 'Plan',
        state: 'cancelled',
        variables: null,
        properties: {},
      },
    ]);
    expect(step).toMatchObject({ instanceId: context([]).instanceId, orgUnitId: 'branch-rd' });
    expect(second.calls[0].created.map((c) => c.taskId)).toEqual(created.map((c) => c.taskId));
    // the created task's row id is the one the tasks INSERT writes
    expect(projection.createdTasks.map((t) => t.id)).toContain(created[0].taskId);
    const sql = batch
      .statements()
      .map((s) => s.text)
      .join('\n');
    expect(sql).toContain('INSERT INTO first (task_id)');
    expect(sql).toContain('INSERT INTO second (task_id)');
    expect(sql.indexOf('INSERT INTO tasks')).toBeLessThan(sql.indexOf('INSERT INTO first'));
    expect(projection.audit.map((e) => e.type)).toEqual(
      expect.arrayContaining(['first.seen', 'second.seen']),
    );
  });

  it('given no projectors, when a step creates a user task, then only the store writes rows', () => {
    const batch = new WriteBatch();
    const projection = projectEffects(
      batch,
      [{ type: 'task.created', task: task('3', 'Plan') }],
      context([]),
    );
    const sql = batch
      .statements()
      .map((s) => s.text)
      .join('\n');
    expect(sql).toContain('INSERT INTO tasks');
    expect(sql).not.toContain('ledger_items');
    expect(projection.audit.map((e) => e.type)).toEqual(['task.created']);
  });
});
