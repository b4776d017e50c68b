import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type LedgerHarness,
  type LedgerUser,
  attachmentOf,
  errorOf,
  monthTaskBpmn,
  startLedger,
} from './support/harness.js';

const MAX_BYTES = 4096;

/** A real (1×1) PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
/** The start of a JPEG (SOI, JFIF APP0): what a phone camera sends, cut short. */
const JPEG = Buffer.concat([
  Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  Buffer.alloc(200, 7),
  Buffer.from('ffd9', 'hex'),
]);
/** A Windows executable's header. */
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0')]);
/** An empty zip archive (its end-of-central-directory record alone). */
const ZIP = Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(18)]);
const HTML = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Evidence as multipart/form-data (issue 14, part 7): what the web app sends from a phone. */
describe('ledger: evidence uploaded as multipart/form-data', () => {
  let h: LedgerHarness;
  let secretaryA: LedgerUser;
  let secretaryB: LedgerUser;
  let itemId: string;

  beforeAll(async () => {
    h = await startLedger('multipart', {
      env: { LEDGER_ATTACHMENT_MAX_BYTES: String(MAX_BYTES) },
    });
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    secretaryB = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);
    await h.deploy('theme-photo', monthTaskBpmn('theme-photo'));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-photo',
        orgUnitId: h.org.branchA,
        variables: { dueAt: '2026-03-31T18:00:00+08:00' },
      },
      'test',
    );
    const [item] = await h.dataSource.query<{ id: string }[]>(
      `SELECT l.id FROM ledger_items l JOIN tasks t ON t.id = l.task_id WHERE t.instance_id = $1`,
      [instance.id],
    );
    itemId = item.id;
  });

  afterAll(async () => {
    await h?.close();
  });

  const stored = async () =>
    h.dataSource.query<{ file_name: string; size_bytes: number; sha256: string }[]>(
      `SELECT file_name, size_bytes::int, sha256 FROM ledger_attachments WHERE item_id = $1 ORDER BY uploaded_at, id`,
      [itemId],
    );
  const upload = (user: LedgerUser, files: [Buffer, string, string][], id = itemId) => {
    let post = user.http.post(`/api/ledger/items/${id}/attachments`);
    for (const [bytes, filename, contentType] of files) {
      post = post.attach('file', bytes, { filename, contentType });
    }
    return post;
  };
  /** Uploads refused: the answer's status and code, and nothing new kept. */
  const refused = async (
    send: () => PromiseLike<{ status: number; body: unknown }>,
    status: number,
    code: string,
  ) => {
    const before = (await stored()).length;
    const response = await send();
    expect({ status: response.status, code: errorOf(response).code }).toEqual({ status, code });
    expect((await stored()).length).toBe(before);
    return errorOf(response);
  };

  it('keeps a photo with its Chinese file name, its size and sha256, typed by its bytes', async () => {
    const response = await upload(secretaryA, [[JPEG, '支部合影 2026年3月.jpg', 'image/jpeg']]);
    expect(response.status).toBe(201);
    expect(attachmentOf(response)).toMatchObject({
      fileName: '支部合影 2026年3月.jpg',
      contentType: 'image/jpeg',
      sizeBytes: JPEG.length,
      sha256: sha256(JPEG),
    });
    // the file's own bytes are kept, not the multipart body
    const [row] = await h.dataSource.query<{ content: Buffer }[]>(
      `SELECT content FROM ledger_attachments WHERE id = $1`,
      [attachmentOf(response).id],
    );
    expect(Buffer.compare(row.content, JPEG)).toBe(0);
  });

  it('types a PNG declared as application/pdf as image/png', async () => {
    const response = await upload(secretaryA, [[PNG, '会议记录.pdf', 'application/pdf']]);
    expect(response.status).toBe(201);
    expect(attachmentOf(response)).toMatchObject({
      contentType: 'image/png',
      sizeBytes: PNG.length,
      sha256: sha256(PNG),
    });
  });

  it('cleans a file name of paths and bidirectional controls; ?fileName= names it instead', async () => {
    const cleaned = await upload(secretaryA, [[PNG, 'C:\\照片\\evil\u202egnp.exe', 'image/png']]);
    expect(cleaned.status).toBe(201);
    expect(attachmentOf(cleaned).fileName).toBe('evilgnp.exe');
    const named = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: '签到表.png' })
      .attach('file', PNG, { filename: 'IMG_0001.PNG', contentType: 'image/png' });
    expect(named.status).toBe(201);
    expect(attachmentOf(named).fileName).toBe('签到表.png');
  });

  it.each([
    ['an executable', EXE, '学习资料.exe', 'application/octet-stream'],
    ['a zip archive', ZIP, '材料.zip', 'application/zip'],
    ['HTML declared as a photo (a lying Content-Type)', HTML, '照片.jpg', 'image/jpeg'],
  ])(
    'refuses %s with 415 LEDGER_ATTACHMENT_TYPE_REFUSED, keeping nothing',
    async (_, bytes, name, type) => {
      await refused(
        () => upload(secretaryA, [[bytes, name, type]]),
        415,
        'LEDGER_ATTACHMENT_TYPE_REFUSED',
      );
    },
  );

  it('refuses two files in one request, keeping neither', async () => {
    const error = await refused(
      () =>
        upload(secretaryA, [
          [PNG, 'a.png', 'image/png'],
          [JPEG, 'b.jpg', 'image/jpeg'],
        ]),
      400,
      'MULTIPART_TOO_MANY_FILES',
    );
    expect(error.details).toEqual({ maxFiles: 1 });
  });

  it('refuses a file over LEDGER_ATTACHMENT_MAX_BYTES with 413 naming the limit', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_BYTES, 1)]);
    const error = await refused(
      () => upload(secretaryA, [[big, '大照片.png', 'image/png']]),
      413,
      'LEDGER_ATTACHMENT_TOO_LARGE',
    );
    expect(error.details).toEqual({ maxBytes: MAX_BYTES });
    // far over the limit: read to its end and answered, not a reset connection
    const huge = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024, 1)]);
    await refused(
      () => upload(secretaryA, [[huge, '原图.png', 'image/png']]),
      413,
      'LEDGER_ATTACHMENT_TOO_LARGE',
    );
  });

  it('refuses a form without a file, and a truncated or boundless multipart body', async () => {
    await refused(
      () =>
        secretaryA.http.post(`/api/ledger/items/${itemId}/attachments`).field('note', '只有文字'),
      400,
      'MULTIPART_FILE_REQUIRED',
    );
    const boundary = '----branchflow-test';
    const truncated = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="合影.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      PNG.subarray(0, 40),
    ]);
    await refused(
      () =>
        secretaryA.http
          .post(`/api/ledger/items/${itemId}/attachments`)
          .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
          .send(truncated),
      400,
      'MULTIPART_MALFORMED',
    );
    await refused(
      () =>
        secretaryA.http
          .post(`/api/ledger/items/${itemId}/attachments`)
          .set('Content-Type', 'multipart/form-data')
          .send(truncated),
      400,
      'MULTIPART_MALFORMED',
    );
  });

  it('answers an item outside the caller’s scope as absent (404), keeping nothing', async () => {
    const before = (await stored()).length;
    const response = await upload(secretaryB, [[PNG, '合影.png', 'image/png']]);
    expect(response.status).toBe(404);
    const unknown = await upload(
      secretaryA,
      [[PNG, '合影.png', 'image/png']],
      '00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.status).toBe(404);
    expect(errorOf(response).code).toBe(errorOf(unknown).code);
    expect((await stored()).length).toBe(before);
  });

  it('still takes the raw body with ?fileName= (and needs the name there)', async () => {
    const raw = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .query({ fileName: '原始上传.png' })
      .set('Content-Type', 'image/png')
      .send(PNG);
    expect(raw.status).toBe(201);
    expect(attachmentOf(raw)).toMatchObject({ fileName: '原始上传.png', sha256: sha256(PNG) });
    const unnamed = await secretaryA.http
      .post(`/api/ledger/items/${itemId}/attachments`)
      .set('Content-Type', 'image/png')
      .send(PNG);
    expect(unnamed.status).toBe(400);
    expect(errorOf(unnamed).details).toEqual([expect.objectContaining({ field: 'fileName' })]);
  });
});
