import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { verifyAudit } from '@app/audit';
import {
  type LedgerHarness,
  type LedgerUser,
  DAY,
  attachmentOf,
  errorOf,
  itemOf,
  monthTaskBpmn,
  startLedger,
} from './support/harness.js';

const MAX_BYTES = 4096;

/** An item's life through HTTP: opening from a task, evidence, 销号, rejection, 回头看, refusals. */
describe('ledger: the life of an item', () => {
  let h: LedgerHarness;
  let secretaryA: LedgerUser;
  let secretaryB: LedgerUser;
  let supervisorGeneral: LedgerUser;
  let supervisorOther: LedgerUser;
  let memberA: LedgerUser;

  beforeAll(async () => {
    h = await startLedger('life', { env: { LEDGER_ATTACHMENT_MAX_BYTES: String(MAX_BYTES) } });
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    secretaryB = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    supervisorOther = await h.user('赵组织部', [
      { role: 'supervisor', orgUnitId: h.org.otherCommittee },
    ]);
    memberA = await h.user('陈党员', [{ role: 'member', orgUnitId: h.org.branchA }], {
      orgUnitId: h.org.branchA,
    });
    await h.deploy('theme-month', monthTaskBpmn('theme-month'));
    await h.deploy('theme-assigned', monthTaskBpmn('theme-assigned', { assigned: true }));
  });

  afterAll(async () => {
    await h?.close();
  });

  const due = '2026-03-31T18:00:00+08:00';
  const startMonth = async (key = 'theme-month', variables: Record<string, unknown> = {}) => {
    const instance = await h.runtime.start(
      { templateKey: key, orgUnitId: h.org.branchA, variables: { dueAt: due, ...variables } },
      'test',
    );
    const [task] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [instance.id],
    );
    const [item] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM ledger_items WHERE task_id = $1`,
      [task.id],
    );
    return { instanceId: instance.id, taskId: task.id, itemId: item.id };
  };
  /** When the item left the working set (closed or cancelled; see LedgerItemsHotUpdates). */
  const settledAt = async (itemId: string) =>
    (
      await h.dataSource.query<{ settled_at: Date | null }[]>(
        `SELECT settled_at FROM ledger_items WHERE id = $1`,
        [itemId],
      )
    )[0].settled_at?.toISOString() ?? null;

  it('opens an item for every user task, with the 四个明确 filled in', async () => {
    const { instanceId, taskId, itemId } = await startMonth();
    const response = await secretaryA.http.get(`/api/ledger/items/${itemId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: itemId,
      list: 'task',
      source: 'task',
      taskId,
      instanceId,
      title: '开展主题党日',
      standard: '完成“1+6+N”六个规定动作，上传签到表、活动记录和照片',
      orgUnitId: h.org.branchA,
      orgUnitName: '第一党支部',
      responsible: 'secretary',
      assessingUnitId: h.org.general,
      assessingUnitName: '研发党总支',
      dueAt: new Date(due).toISOString(),
      state: 'open',
      light: 'green',
      overdue: false,
      escalations: 0,
    });
    expect(itemOf(response).entries).toEqual([
      expect.objectContaining({ kind: 'opened', actor: 'test', data: { taskId } }),
    ]);
    // The opening is in the instance's audit stream, in the step's transaction.
    const events = await h.dataSource.query<{ type: string; data: Record<string, unknown> }[]>(
      `SELECT type, data FROM audit_events WHERE stream = $1 ORDER BY seq`,
      [instanceId],
    );
    expect(events.map((e) => e.type)).toContain('ledger.opened');
    expect(events.find((e) => e.type === 'ledger.opened')!.data).toMatchObject({ itemId, taskId });
  });

  it('goes progress → evidence → submit → reject → resubmit → 销号 → 回头看, every step audited', async () => {
    // Given a task item whose task was completed (the completion is its first submission)
    const { instanceId, taskId, itemId } = await startMonth();
    await h.runtime.completeTask(taskId, { attendance: 18 }, secretaryA.userId);
    const item = itemOf(await secretaryA.http.get(`/api/ledger/items/${itemId}`));
    expect(item.state).toBe('submitted');
    expect(await settledAt(itemId)).toBeNull();
    expect(item.entries.at(-1)).toMatchObject({
      kind: 'submitted',
      data: { taskId, evidence: { attendance: 18 } },
    });

    // When the general branch rejects it with a reason
    const rejected = await supervisorGeneral.http
      .post(`/api/ledger/items/${itemId}/reject`)
      .send({ reason: '缺少活动照片' });
    expect(rejected.status).toBe(200);
    expect(itemOf(rejected)).toMatchObject({ state: 'in_progress' });
    expect(itemOf(rejected).entries.at(-1)).toMatchObject({
      kind: 'rejected',
      note: '缺少活动照片',
    });

    // Then the secretary reports progress and uploads the photo
    h.clock.advance(DAY);
    const progress = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/progress`)
      .send({ note: '已补拍合影' });
    expect(progress.status).toBe(200);
    // a real (1×1) PNG: evidence is typed by its bytes, not by the declared type
    const photo = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    );
    const uploaded = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: '合影.png' })
      .set('Content-Type', 'image/png')
      .send(photo);
    expect(uploaded.status).toBe(201);
    expect(attachmentOf(uploaded)).toMatchObject({
      fileName: '合影.png',
      contentType: 'image/png',
      sizeBytes: photo.length,
      sha256: createHash('sha256').update(photo).digest('hex'),
      entryId: null,
      uploadedBy: secretaryA.userId,
    });
    // And downloads give the same bytes with the checksum
    const download = await supervisorGeneral.http
      .get(`/api/ledger/items/${itemId}/attachments/${attachmentOf(uploaded).id}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers.etag).toBe(`"${attachmentOf(uploaded).sha256}"`);
    expect(download.headers['x-content-sha256']).toBe(attachmentOf(uploaded).sha256);
    expect(Buffer.compare(download.body as Buffer, photo)).toBe(0);

    // When it is resubmitted: the pending attachment joins the submission
    const resubmitted = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/submit`)
      .send({ note: '照片已补' });
    expect(resubmitted.status).toBe(200);
    expect(itemOf(resubmitted).state).toBe('submitted');
    const submission = itemOf(resubmitted).entries.at(-1)!;
    expect(submission).toMatchObject({ kind: 'submitted', note: '照片已补' });
    expect(submission.data.attachmentIds).toEqual([attachmentOf(uploaded).id]);
    expect(itemOf(resubmitted).attachments).toEqual([
      expect.objectContaining({ id: attachmentOf(uploaded).id, entryId: submission.id }),
    ]);

    // And the general branch verifies and closes it (销号)
    const closed = await supervisorGeneral.http
      .post(`/api/ledger/items/${itemId}/verify`)
      .send({ note: '材料齐全' });
    expect(closed.status).toBe(200);
    expect(itemOf(closed)).toMatchObject({
      state: 'closed',
      light: null,
      closedBy: supervisorGeneral.userId,
      closedAt: new Date(h.clock.now()).toISOString(),
    });
    expect(itemOf(closed).entries.at(-1)).toMatchObject({ kind: 'closed', data: { onTime: true } });
    expect(await settledAt(itemId)).toBe(itemOf(closed).closedAt);
    // Closing twice is a conflict naming the state
    const again = await supervisorGeneral.http.post(`/api/ledger/items/${itemId}/verify`).send({});
    expect(again.status).toBe(409);
    expect(errorOf(again)).toMatchObject({
      code: 'LEDGER_WRONG_STATE',
      details: { state: 'closed' },
    });

    // When a follow-up check (回头看) reopens it without a reason: refused; with one: reopened
    const noReason = await supervisorGeneral.http
      .post(`/api/ledger/items/${itemId}/reopen`)
      .send({ reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(errorOf(noReason).code).toBe('LEDGER_REASON_REQUIRED');
    const reopened = await supervisorGeneral.http
      .post(`/api/ledger/items/${itemId}/reopen`)
      .send({ reason: '回头看：整改未落实', dueAt: '2026-04-15T18:00:00+08:00' });
    expect(reopened.status).toBe(200);
    expect(itemOf(reopened)).toMatchObject({
      state: 'in_progress',
      reopened: 1,
      closedAt: null,
      dueAt: new Date('2026-04-15T18:00:00+08:00').toISOString(),
    });
    expect(await settledAt(itemId)).toBeNull();
    expect(itemOf(reopened).entries.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'submitted',
      'rejected',
      'progress',
      'submitted',
      'closed',
      'reopened',
    ]);

    // Every change is in the instance's audit stream, and the chain verifies
    const types = (
      await h.dataSource.query<{ type: string }[]>(
        `SELECT type FROM audit_events WHERE stream = $1 AND type LIKE 'ledger.%' ORDER BY seq`,
        [instanceId],
      )
    ).map((row) => row.type);
    expect(types).toEqual([
      'ledger.opened',
      'ledger.submitted',
      'ledger.rejected',
      'ledger.progress',
      'ledger.attachment.added',
      'ledger.submitted',
      'ledger.closed',
      'ledger.reopened',
    ]);
    const report = await verifyAudit(h.dataSource.manager);
    expect(report).toMatchObject({ ok: true });
  });

  it('refuses a submission without evidence (400) and one of a task item whose task is open (409)', async () => {
    const { itemId, taskId } = await startMonth();
    const early = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/submit`)
      .send({ note: '已完成' });
    expect(early.status).toBe(409);
    expect(errorOf(early)).toMatchObject({
      code: 'LEDGER_WRONG_STATE',
      message: '该事项属于一个尚未办结的任务：请办理该任务，任务完成时即提交',
      details: { taskState: 'open' },
    });
    await h.runtime.completeTask(taskId, {}, secretaryA.userId);
    await supervisorGeneral.http.post(`/api/ledger/items/${itemId}/reject`).send({ reason: '空' });
    const empty = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/submit`)
      .send({ note: ' ' });
    expect(empty.status).toBe(400);
    expect(errorOf(empty)).toMatchObject({
      code: 'LEDGER_EVIDENCE_REQUIRED',
      details: [{ field: 'note', message: expect.any(String) }],
    });
  });

  it('refuses an attachment above LEDGER_ATTACHMENT_MAX_BYTES with 413 naming the limit', async () => {
    const { itemId } = await startMonth();
    const tooBig = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: 'big.pdf' })
      .set('Content-Type', 'application/pdf')
      .send(Buffer.alloc(MAX_BYTES + 1, 1));
    expect(tooBig.status).toBe(413);
    expect(errorOf(tooBig)).toMatchObject({ code: 'LEDGER_ATTACHMENT_TOO_LARGE' });
    expect(errorOf(tooBig)).toMatchObject({
      message: `佐证材料文件过大：每份最多 ${MAX_BYTES} 字节（LEDGER_ATTACHMENT_MAX_BYTES）`,
      details: { maxBytes: MAX_BYTES },
    });
    expect(errorOf(tooBig).message).toContain(String(MAX_BYTES));
    const fits = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: 'ok.pdf' })
      .set('Content-Type', 'application/pdf')
      .send(Buffer.alloc(MAX_BYTES, 1));
    expect(fits.status).toBe(201);
    expect(attachmentOf(fits).sizeBytes).toBe(MAX_BYTES);
  });

  it('lets the assignee member answer for a task item, but only a supervisor verify', async () => {
    const { itemId, taskId } = await startMonth('theme-assigned', { assignee: memberA.memberId });
    const item = itemOf(await memberA.http.get(`/api/ledger/items/${itemId}`));
    expect(item.responsible).toBe(memberA.memberId);
    expect(
      (await memberA.http.post(`/api/ledger/items/${itemId}/progress`).send({ note: '筹备中' }))
        .status,
    ).toBe(200);
    await h.runtime.completeTask(taskId, { done: true }, memberA.userId);
    // A secretary cannot verify; neither can the member
    for (const user of [secretaryA, memberA]) {
      const refused = await user.http.post(`/api/ledger/items/${itemId}/verify`).send({});
      expect(refused.status).toBe(403);
    }
    expect(
      (await supervisorGeneral.http.post(`/api/ledger/items/${itemId}/verify`).send({})).status,
    ).toBe(200);
  });

  it('answers a supervisor of another subtree and a secretary of another branch as for a missing item (404, audited)', async () => {
    const { itemId, taskId } = await startMonth();
    await h.runtime.completeTask(taskId, {}, secretaryA.userId);
    const other = await supervisorOther.http.post(`/api/ledger/items/${itemId}/verify`).send({});
    expect(other.status).toBe(404);
    expect(errorOf(other).message).toBe('未找到该台账事项');
    const read = await secretaryB.http.get(`/api/ledger/items/${itemId}`);
    expect(read.status).toBe(404);
    const refusals = await h.dataSource.query<{ actor: string }[]>(
      `SELECT actor FROM audit_events WHERE type = 'access.refused' AND data->>'path' LIKE $1`,
      [`%${itemId}%`],
    );
    expect(refusals.map((r) => r.actor).sort()).toEqual(
      [supervisorOther.userId, secretaryB.userId].sort(),
    );
    // An unknown item is 404, a malformed id 400
    expect(
      (await supervisorGeneral.http.get('/api/ledger/items/00000000-0000-4000-8000-000000000000'))
        .status,
    ).toBe(404);
    expect((await supervisorGeneral.http.get('/api/ledger/items/nope')).status).toBe(400);
  });

  it('cancels the item of a cancelled task, and a cancelled item is read-only', async () => {
    const { instanceId, itemId } = await startMonth();
    await h.runtime.execute(instanceId, { type: 'cancel' }, 'test');
    const item = itemOf(await secretaryA.http.get(`/api/ledger/items/${itemId}`));
    expect(item).toMatchObject({ state: 'cancelled', light: null });
    expect(await settledAt(itemId)).toBe(new Date(h.clock.now()).toISOString());
    const progress = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/progress`)
      .send({ note: 'x' });
    expect(progress.status).toBe(409);
    expect(errorOf(progress).details).toEqual({ state: 'cancelled' });
  });

  it('lets supervisors open items by hand on the three lists, all four 明确 required', async () => {
    const body = {
      list: 'problem',
      title: '组织生活会整改：学习记录不全',
      standard: '补齐全年学习记录并经支委会审核',
      orgUnitId: h.org.branchB,
      responsible: '李书记',
      assessingUnitId: h.org.general,
      dueAt: '2026-04-30T18:00:00+08:00',
    };
    const created = await supervisorGeneral.http.post('/api/ledger/items').send(body);
    expect(created.status).toBe(201);
    expect(itemOf(created)).toMatchObject({
      ...body,
      source: 'manual',
      state: 'open',
      dueAt: new Date(body.dueAt).toISOString(),
      createdBy: supervisorGeneral.userId,
    });
    const missing = await supervisorGeneral.http
      .post('/api/ledger/items')
      .send({ ...body, standard: undefined, assessingUnitId: undefined });
    expect(missing.status).toBe(400);
    expect((errorOf(missing).details as { field: string }[]).map((d) => d.field).sort()).toEqual([
      'assessingUnitId',
      'standard',
    ]);
    // A secretary may not open one (403); to a supervisor of another tree the unit is unknown
    expect((await secretaryB.http.post('/api/ledger/items').send(body)).status).toBe(403);
    expect((await supervisorOther.http.post('/api/ledger/items').send(body)).status).toBe(400);
    // Its audit stream is its own
    const [event] = await h.dataSource.query<{ type: string }[]>(
      `SELECT type FROM audit_events WHERE stream = $1`,
      [`ledger:${itemOf(created).id}`],
    );
    expect(event?.type).toBe('ledger.opened');
  });
});
