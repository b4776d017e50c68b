import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { WriteBatch } from '@app/store';
import pg from 'pg';
import { type LedgerHarness, type LedgerUser, errorOf, startLedger } from './support/harness.js';

/**
 * The approval of a file (`ledger.verifies`, 销号 of the instance's submitted items in the step's
 * transaction) meeting a supervisor's rejection or bulk 销号 of the same items (issue 14: the
 * lost-update and double-submit cases). The two requests are released together: a third
 * connection holds the head of the instance's audit chain (the row both writers lock) until
 * PostgreSQL shows both requests waiting, then lets go; repeated, so that each of the two wins
 * some rounds. Also: a step too big for one statement (the write batch's per-part fallback)
 * crosses off the same items as one that goes as one statement.
 */
describe('ledger: the approval of a file against a concurrent rejection or 销号', () => {
  let h: LedgerHarness;
  let secretary: LedgerUser;
  let supervisor: LedgerUser;
  let holder: pg.Client;

  beforeAll(async () => {
    h = await startLedger('approval_race', { env: { LEDGER_BULK_VERIFY_MAX: '10' } });
    secretary = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    supervisor = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    await h.deploy('race-file', fileBpmn('race-file'));
    holder = new pg.Client({ connectionString: h.env.DATABASE_URL });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await h?.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  interface ItemRow {
    id: string;
    element: string;
    state: string;
    kinds: string[];
  }

  /** The instance's items with their entries' kinds in order. */
  const itemsOf = (instanceId: string) =>
    h.dataSource.query<ItemRow[]>(
      `SELECT l.id, t.element_id AS element, l.state::text AS state,
              (SELECT array_agg(e.kind::text ORDER BY e.at, e.seq) FROM ledger_entries e
                WHERE e.item_id = l.id) AS kinds
         FROM ledger_items l JOIN tasks t ON t.id = l.task_id
        WHERE l.instance_id = $1 ORDER BY t.element_id, l.id`,
      [instanceId],
    );

  const openTasks = (instanceId: string, elementId: string) =>
    h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1 AND element_id = $2 AND state = 'open' ORDER BY id`,
      [instanceId, elementId],
    );

  /** An instance whose three 'Do' items are submitted and whose 'Check' is open. */
  async function upToCheck(fan: number): Promise<{ instanceId: string; checkId: string }> {
    const instance = await h.runtime.start(
      {
        templateKey: 'race-file',
        orgUnitId: h.org.branchA,
        variables: {
          parts: ['计划', '记录', '总结'],
          fan: Array.from({ length: fan }, (_, i) => i),
        },
      },
      'system:schedule',
    );
    for (const task of await openTasks(instance.id, 'Do')) {
      await h.runtime.completeTask(task.id, { done: true }, secretary.userId);
    }
    const [check] = await openTasks(instance.id, 'Check');
    return { instanceId: instance.id, checkId: check.id };
  }

  /**
   * Sends `requests` while the instance's audit head is held by another connection, each once
   * the ones before it wait for a lock (so they queue in this order), and lets the head go once
   * all of them wait: the requests meet at the rows they both write.
   */
  async function releasedTogether<T>(
    instanceId: string,
    requests: readonly (() => PromiseLike<T>)[],
  ): Promise<T[]> {
    await holder.query('BEGIN');
    await holder.query('SELECT stream FROM audit_streams WHERE stream = $1 FOR UPDATE', [
      instanceId,
    ]);
    const answers: Promise<T>[] = [];
    try {
      for (const send of requests) {
        answers.push(Promise.resolve(send()));
        await waitingForLocks(answers.length);
      }
    } finally {
      await holder.query('COMMIT');
    }
    return Promise.all(answers);
  }

  /** Until `n` sessions of the suite's database (not the holder) wait for a lock. */
  async function waitingForLocks(n: number): Promise<void> {
    for (;;) {
      // The activity is read once per transaction unless the snapshot is cleared
      await holder.query('SELECT pg_stat_clear_snapshot()');
      const [row] = (
        await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        )
      ).rows;
      if (row.n >= n) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Both orders, alternately: the first request queues first. */
  const inOrder = <T>(round: number, a: () => PromiseLike<T>, b: () => PromiseLike<T>) =>
    round % 2 === 0 ? [a, b] : [b, a];
  const byOrder = <T>(round: number, answers: readonly T[]): [T, T] =>
    round % 2 === 0 ? [answers[0], answers[1]] : [answers[1], answers[0]];

  const ROUNDS = 8;

  it('ends a rejected item either rejected (and left open by the approval) or closed, never both', async () => {
    const outcomes = { rejected: 0, closed: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const { instanceId, checkId } = await upToCheck(1);
      const before = await itemsOf(instanceId);
      const target = before.find((item) => item.element === 'Do')!;
      expect(before.filter((item) => item.state === 'submitted')).toHaveLength(3);

      const [rejection, approval] = byOrder(
        round,
        await releasedTogether(
          instanceId,
          inOrder(
            round,
            () =>
              supervisor.http
                .post(`/api/ledger/items/${target.id}/reject`)
                .send({ reason: '缺少照片' }),
            () =>
              supervisor.http
                .post(`/api/tasks/${checkId}/complete`)
                .send({ variables: { approved: true } }),
          ),
        ),
      );

      expect(approval.status).toBe(200);
      const after = await itemsOf(instanceId);
      const item = after.find((i) => i.id === target.id)!;
      if (rejection.status === 200) {
        outcomes.rejected++;
        // Rejected before the approval's statements: the approval leaves it open
        expect(item.state).toBe('in_progress');
        expect(item.kinds).toEqual(['opened', 'submitted', 'rejected']);
      } else {
        outcomes.closed++;
        expect(rejection.status).toBe(409);
        expect(errorOf(rejection).code).toBe('LEDGER_WRONG_STATE');
        expect(item.state).toBe('closed');
        expect(item.kinds).toEqual(['opened', 'submitted', 'closed']);
      }
      // Every other item of the file is crossed off once; the approval's own item too
      for (const other of after.filter((i) => i.id !== target.id && i.element !== 'Fan')) {
        expect([other.element, other.state, other.kinds]).toEqual([
          other.element,
          'closed',
          ['opened', 'submitted', 'closed'],
        ]);
      }
      // An entry for every state an item went through, and its state is its last entry's
      for (const i of after) expect(lastState(i.kinds)).toBe(i.state);
    }
    // Each order happened (the one queued first won)
    expect(outcomes).toEqual({ rejected: ROUNDS / 2, closed: ROUNDS / 2 });
  });

  it('closes each item once when a bulk 销号 meets the approval: one of them closes it, the other is refused or passes it by', async () => {
    const outcomes = { bulkFirst: 0, approvalFirst: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const { instanceId, checkId } = await upToCheck(1);
      const submitted = (await itemsOf(instanceId)).filter((item) => item.state === 'submitted');
      expect(submitted).toHaveLength(3);

      const [bulk, approval] = byOrder(
        round,
        await releasedTogether(
          instanceId,
          inOrder(
            round,
            () =>
              supervisor.http
                .post('/api/ledger/items/verify')
                .send({ ids: submitted.map((item) => item.id) }),
            () =>
              supervisor.http
                .post(`/api/tasks/${checkId}/complete`)
                .send({ variables: { approved: true } }),
          ),
        ),
      );

      expect(approval.status).toBe(200);
      if (bulk.status === 200) {
        outcomes.bulkFirst++;
      } else {
        // All or nothing: the approval had closed them, the bulk 销号 is a stale double submit
        outcomes.approvalFirst++;
        expect(bulk.status).toBe(409);
        expect(errorOf(bulk).code).toBe('LEDGER_WRONG_STATE');
      }
      const after = await itemsOf(instanceId);
      for (const item of after.filter((i) => i.element !== 'Fan')) {
        expect([item.element, item.state, item.kinds]).toEqual([
          item.element,
          'closed',
          ['opened', 'submitted', 'closed'],
        ]);
      }
      const closedBy = await h.dataSource.query<{ actor: string; n: number }[]>(
        `SELECT e.actor, count(*)::int AS n FROM ledger_entries e JOIN ledger_items l ON l.id = e.item_id
          WHERE l.instance_id = $1 AND e.kind = 'closed' GROUP BY e.actor`,
        [instanceId],
      );
      expect(closedBy).toEqual([{ actor: supervisor.userId, n: 4 }]);
    }
    expect(outcomes).toEqual({ bulkFirst: ROUNDS / 2, approvalFirst: ROUNDS / 2 });
  });

  it('closes each item once on a double submit of a bulk 销号: the second is 409, nothing closed twice', async () => {
    const { instanceId } = await upToCheck(1);
    const submitted = (await itemsOf(instanceId)).filter((item) => item.state === 'submitted');
    expect(submitted).toHaveLength(3);
    const bulk = () =>
      supervisor.http
        .post('/api/ledger/items/verify')
        .send({ ids: submitted.map((item) => item.id), note: '已核实' });
    const answers = await releasedTogether(instanceId, [bulk, bulk]);
    expect(answers.map((a) => a.status)).toEqual([200, 409]);
    expect(errorOf(answers[1]).code).toBe('LEDGER_WRONG_STATE');
    for (const item of (await itemsOf(instanceId)).filter((i) => i.element === 'Do')) {
      expect([item.state, item.kinds]).toEqual(['closed', ['opened', 'submitted', 'closed']]);
    }
    const [{ n }] = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE stream = $1 AND type = 'ledger.closed'`,
      [instanceId],
    );
    expect(n).toBe(3);
  });

  it('crosses off the same items when the approving step is too big for one statement', async () => {
    // Watches (and calls through) how many statements each step's batch goes as
    const spy = jest.spyOn(WriteBatch.prototype, 'statements');
    const sentSince = (calls: number) =>
      Math.max(
        ...spy.mock.results.slice(calls).map((result) => (result.value as unknown[]).length),
      );

    /** Each item of the file (not the fan-out's) by element: its state and its entries. */
    const approve = async (fan: number) => {
      const { instanceId, checkId } = await upToCheck(fan);
      const [record] = (await itemsOf(instanceId)).filter((item) => item.element === 'Do');
      const rejected = await supervisor.http
        .post(`/api/ledger/items/${record.id}/reject`)
        .send({ reason: '缺少照片' });
      expect(rejected.status).toBe(200);
      const calls = spy.mock.results.length;
      const approved = await supervisor.http
        .post(`/api/tasks/${checkId}/complete`)
        .send({ variables: { approved: true } });
      expect(approved.status).toBe(200);
      const sent = sentSince(calls);
      const items = await itemsOf(instanceId);
      const fanItems = items.filter((item) => item.element === 'Fan');
      expect(fanItems).toHaveLength(fan);
      for (const item of fanItems) expect([item.state, item.kinds]).toEqual(['open', ['opened']]);
      return {
        sent,
        file: items
          .filter((item) => item.element !== 'Fan')
          .map((item) => [item.element, item.state, item.kinds])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      };
    };

    const small = await approve(2);
    // 3,000 task rows and items: more parameters than one statement takes (65,535)
    const big = await approve(3000);
    expect(small.sent).toBe(1);
    expect(big.sent).toBeGreaterThan(1);
    expect(big.file).toEqual(small.file);
    expect(small.file).toEqual([
      ['Check', 'closed', ['opened', 'submitted', 'closed']],
      ['Do', 'closed', ['opened', 'submitted', 'closed']],
      ['Do', 'closed', ['opened', 'submitted', 'closed']],
      ['Do', 'in_progress', ['opened', 'submitted', 'rejected']],
    ]);
  });
});

/** The state an item's entries leave it in. */
function lastState(kinds: readonly string[]): string {
  const last = kinds[kinds.length - 1];
  const states: Record<string, string> = {
    opened: 'open',
    submitted: 'submitted',
    rejected: 'in_progress',
    closed: 'closed',
    reopened: 'in_progress',
    cancelled: 'cancelled',
  };
  return states[last] ?? `? ${last}`;
}

/**
 * start → 'Do' for each of `parts` (multi-instance, offered to secretaries) → 'Check'
 * (supervisors; `ledger.verifies` = instance) → 'Fan' for each of `fan` → end.
 */
function fileBpmn(key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${key}" name="销号并发（测试）" isExecutable="true">
    <bpmn:startEvent id="Start"/>
    <bpmn:userTask id="Do" name="报送材料">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="secretary"/>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=parts" inputElement="part"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:userTask id="Check" name="上级审核销号">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="supervisor"/>
        <zeebe:properties>
          <zeebe:property name="ledger.verifies" value="instance"/>
        </zeebe:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="Fan" name="后续工作">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="secretary"/>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=fan" inputElement="n"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Do"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Do" targetRef="Check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Check" targetRef="Fan"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Fan" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>
`;
}
