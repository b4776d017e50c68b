import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ApiHarness, expectError, startApi } from './api-harness.js';

const INDEX =
  '<!doctype html><html lang="zh-CN"><body><div id="root"></div>app-shell</body></html>';
const SCRIPT = `console.log(${JSON.stringify('党建'.repeat(200))});\n`;

/**
 * The built web app at `/` (apps/api/src/web): the api boots with WEB_DIST_DIR pointing at a
 * folder that does not exist yet (the missing-build page), then the test writes a build there
 * (the folder is looked at per request) and checks the files, the deep-link fallback, the
 * cache headers, the pre-compressed variant, and that `/api/**` stays the api's JSON 404.
 */
describe('api: the web app at /', () => {
  let api: ApiHarness;
  let work: string;
  let dist: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'branchflow-web-'));
    dist = join(work, 'dist');
    api = await startApi({ env: { WEB_DIST_DIR: dist } });
  });

  afterAll(async () => {
    await api?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('starts without a build and answers / with a Chinese page saying how to build', async () => {
    for (const path of ['/', '/inbox']) {
      const page = await api.anonymous.get(path);
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('网页应用尚未构建');
      expect(page.text).toContain('npm run build:web');
    }
    expect((await api.anonymous.get('/api/health')).status).toBe(200);
    expectError(await api.anonymous.get('/api/no-such-thing'), 404);
  });

  describe('with a build', () => {
    beforeAll(async () => {
      await mkdir(join(dist, 'assets'), { recursive: true });
      await writeFile(join(dist, 'index.html'), INDEX);
      await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      await writeFile(join(dist, 'assets', 'index-AbC123.js'), SCRIPT);
      await writeFile(join(dist, 'assets', 'index-AbC123.js.gz'), gzipSync(SCRIPT));
      await writeFile(join(dist, '.env'), 'SECRET=1');
      await writeFile(join(work, 'outside.txt'), 'outside the build');
    });

    it('answers / and every deep link with index.html, never cached', async () => {
      for (const path of ['/', '/inbox', '/instances/7d1e0b1c-1111-4222-8333-944455556666?tab=2']) {
        const page = await api.anonymous.get(path);
        expect({ path, status: page.status }).toEqual({ path, status: 200 });
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.headers['cache-control']).toBe('no-cache');
        expect(page.text).toBe(INDEX);
      }
      const head = await api.anonymous.head('/ledger/items');
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toMatch(/^text\/html/);
    });

    it('serves hashed assets cached for a year, and their gzip sibling to who accepts it', async () => {
      const plain = await api.anonymous
        .get('/assets/index-AbC123.js')
        .set('Accept-Encoding', 'identity');
      expect(plain.status).toBe(200);
      expect(plain.headers['content-type']).toMatch(/^application\/javascript|^text\/javascript/);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(SCRIPT)));
      expect(plain.headers['vary']).toMatch(/Accept-Encoding/i);

      const gzip = await api.anonymous
        .get('/assets/index-AbC123.js')
        .set('Accept-Encoding', 'gzip, deflate, br');
      expect(gzip.status).toBe(200);
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['content-type']).toMatch(/javascript/);
      expect(gzip.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(gzip.headers['content-length'])).toBeLessThan(Buffer.byteLength(SCRIPT));
      expect(gzip.text).toBe(SCRIPT); // supertest inflates it

      const etag = plain.headers['etag'];
      expect(etag).toEqual(expect.any(String));
      const again = await api.anonymous
        .get('/assets/index-AbC123.js')
        .set('Accept-Encoding', 'identity')
        .set('If-None-Match', etag);
      expect(again.status).toBe(304);
    });

    it('serves the other files of the build revalidated, and a missing asset is a 404', async () => {
      const icon = await api.anonymous.get('/favicon.svg');
      expect(icon.status).toBe(200);
      expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(icon.headers['cache-control']).toBe('no-cache');

      for (const path of ['/assets/index-Gone99.js', '/assets/nothing', '/missing.png']) {
        const missing = await api.anonymous.get(path);
        expect({ path, status: missing.status }).toEqual({ path, status: 404 });
        expect(missing.text).not.toContain('app-shell');
      }
    });

    it('never serves a dotfile or a file outside the build', async () => {
      for (const path of ['/.env', '/assets/../.env', '/%2e%2e/outside.txt', '/..%2Foutside.txt']) {
        const response = await api.anonymous.get(path);
        expect(response.text).not.toContain('SECRET');
        expect(response.text).not.toContain('outside the build');
      }
    });

    it('leaves /api to the api: an unknown route is its JSON 404, the routes answer as before', async () => {
      for (const path of [
        '/api',
        '/api/',
        '/api/no-such-thing',
        '/API/Inbox',
        '/api/tasks/x/y/z',
      ]) {
        const response = await api.anonymous.get(path);
        expect({ path, type: response.headers['content-type'] }).toEqual({
          path,
          type: expect.stringMatching(/^application\/json/),
        });
        expectError(response, 404);
      }
      expect((await api.anonymous.get('/api/health')).status).toBe(200);
      expect((await api.anonymous.get('/api/docs-json')).status).toBe(200);
      expect((await api.anonymous.get('/api/tasks')).status).toBe(401);
    });

    it('answers only GET and HEAD outside /api', async () => {
      const post = await api.anonymous.post('/inbox').send({ a: 1 });
      expect(post.status).toBe(404);
      expect(post.text).not.toContain('app-shell');
    });
  });
});
