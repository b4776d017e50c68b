import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DAY,
  type LedgerHarness,
  type LedgerUser,
  attachmentOf,
  itemOf,
  startLedger,
} from './support/harness.js';

const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/**
 * An item's detail as the ledger item page reads it (issue 15): who did each entry, uploaded
 * each file, opened and closed the item, by name — never an id — and what the caller may do
 * (canRespond / canSupervise), so the page offers only the actions the api will take.
 */
describe('ledger: an item’s detail by name, with what the caller may do', () => {
  let h: LedgerHarness;
  let supervisor: LedgerUser;
  let secretary: LedgerUser;
  let other: LedgerUser;
  let itemId = '';
  let responsibleMember = '';

  beforeAll(async () => {
    h = await startLedger('detail_names');
    supervisor = await h.user('周督导', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    secretary = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }], {
      orgUnitId: h.org.branchA,
    });
    other = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);
    responsibleMember = secretary.memberId ?? '';
    const created = await supervisor.http.post('/api/ledger/items').send({
      list: 'problem',
      title: '党员学习记录不全',
      standard: '补齐全年学习记录并经支委会审核',
      orgUnitId: h.org.branchA,
      responsible: responsibleMember,
      assessingUnitId: h.org.general,
      dueAt: new Date(h.clock.now() + 10 * DAY).toISOString(),
    });
    expect(created.status).toBe(201);
    itemId = itemOf(created).id;
  });

  afterAll(async () => {
    await h.close();
  });

  it('names the opener, the responsible member and what each side may do', async () => {
    const bySupervisor = itemOf(await supervisor.http.get(`/api/ledger/items/${itemId}`));
    expect(bySupervisor).toMatchObject({
      createdByName: '周督导',
      responsibleName: '张书记',
      closedByName: null,
      canSupervise: true,
      canRespond: false,
    });
    expect(bySupervisor.entries).toEqual([
      expect.objectContaining({ kind: 'opened', actorName: '周督导', escalatedToName: null }),
    ]);
    // opened by hand: no process
    expect(bySupervisor.templateName).toBeNull();
    const listed = await supervisor.http.get('/api/ledger/items').query({ q: '党员学习记录' });
    expect(listed.status).toBe(200);
    expect((listed.body as { items: { id: string; templateName: unknown }[] }).items).toEqual([
      expect.objectContaining({ id: itemId, templateName: null }),
    ]);
    const bySecretary = itemOf(await secretary.http.get(`/api/ledger/items/${itemId}`));
    expect(bySecretary).toMatchObject({ canSupervise: false, canRespond: true });
    // another branch's secretary does not see it at all
    expect((await other.http.get(`/api/ledger/items/${itemId}`)).status).toBe(404);
  });

  it('names the uploader, the submitter, the one who rejects and the one who closes', async () => {
    const uploaded = await secretary.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: '学习记录.png' })
      .set('Content-Type', 'image/png')
      .send(PHOTO);
    expect(uploaded.status).toBe(201);
    expect(attachmentOf(uploaded).uploadedByName).toBe('张书记');
    const submitted = await secretary.http.post(`/api/ledger/items/${itemId}/submit`).send({});
    expect(submitted.status).toBe(200);
    expect(itemOf(submitted).canRespond).toBe(true);
    const rejected = await supervisor.http
      .post(`/api/ledger/items/${itemId}/reject`)
      .send({ reason: '缺少支委会审核意见' });
    expect(rejected.status).toBe(200);
    expect(itemOf(rejected).entries.at(-1)).toMatchObject({
      kind: 'rejected',
      actorName: '周督导',
      note: '缺少支委会审核意见',
    });
    expect(
      (await secretary.http.post(`/api/ledger/items/${itemId}/submit`).send({ note: '已补齐' }))
        .status,
    ).toBe(200);
    const closed = itemOf(
      await supervisor.http.post(`/api/ledger/items/${itemId}/verify`).send({}),
    );
    expect(closed).toMatchObject({ state: 'closed', closedByName: '周督导' });
    expect(closed.entries.map((e) => [e.kind, e.actorName])).toEqual([
      ['opened', '周督导'],
      ['submitted', '张书记'],
      ['rejected', '周督导'],
      ['submitted', '张书记'],
      ['closed', '周督导'],
    ]);
    expect(closed.attachments).toEqual([
      expect.objectContaining({ fileName: '学习记录.png', uploadedByName: '张书记' }),
    ]);
    // no id where a person reads
    const text = JSON.stringify(
      closed.entries.map((e) => e.actorName).concat(closed.createdByName, closed.closedByName!),
    );
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});
