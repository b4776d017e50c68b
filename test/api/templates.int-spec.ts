import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

describe('api: templates', () => {
  let api: ApiHarness;
  let key: string;

  beforeAll(async () => {
    api = await startApi();
    key = `tpl-${api.tag}`;
  });

  afterAll(async () => {
    await api.close();
  });

  const deploy = (xml: string, type = 'application/xml', name?: string) =>
    api.http
      .post(`/api/templates${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`)
      .set('Content-Type', type)
      .set('X-Actor', 'integrator')
      .send(xml);

  it('deploys a new template (201), the same file again unchanged (200), a changed one as version 2', async () => {
    // When a template is deployed
    const first = await deploy(fixtures.sequence(key, ['A']), 'application/xml', `${key}.bpmn`);
    // Then it is version 1, created
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      key,
      version: 1,
      name: null,
      created: true,
      deploymentId: expect.any(String),
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      forms: [],
      processes: [
        { id: (first.body as { id: string }).id, key, version: 1, name: null, created: true },
      ],
    });
    // When the same file is deployed again (as text/xml)
    const again = await deploy(fixtures.sequence(key, ['A']), 'text/xml');
    // Then nothing changes
    expect(again.status).toBe(200);
    expect(again.body).toEqual(
      expect.objectContaining({ key, version: 1, created: false, deploymentId: null }),
    );
    // When a changed file is deployed
    const changed = await deploy(fixtures.sequence(key, ['A', 'B']));
    expect(changed.status).toBe(201);
    expect(changed.body).toEqual(expect.objectContaining({ key, version: 2, created: true }));
  });

  it('lists every process of a file with several', async () => {
    const response = await deploy(fixtures.twoProcesses(`${key}-one`, `${key}-two`));
    expect(response.status).toBe(201);
    expect(response.body).toEqual(expect.objectContaining({ key: `${key}-one` }));
    expect((response.body as { processes: unknown[] }).processes).toEqual([
      expect.objectContaining({ key: `${key}-one`, version: 1, created: true }),
      expect.objectContaining({ key: `${key}-two`, version: 1, created: true }),
    ]);
  });

  it('refuses an invalid template whole with 422 and one detail per problem', async () => {
    const response = await deploy(fixtures.invalid(`${key}-bad`));
    const body = expectError(response, 422, 'TEMPLATE_INVALID');
    expect(body.details).toEqual(
      expect.arrayContaining([
        { elementId: 'f1', bpmnType: 'bpmn:SequenceFlow', message: expect.any(String) },
        { elementId: 'Script', bpmnType: 'bpmn:ScriptTask', message: expect.any(String) },
      ]),
    );
    // And nothing of it was deployed
    expectError(await api.http.get(`/api/templates/${key}-bad`), 404, 'TEMPLATE_NOT_FOUND');
  });

  it('refuses a body that is neither XML nor a bundle (415), an empty one (400) and one over 5 MB (413)', async () => {
    expectError(
      await api.http
        .post('/api/templates')
        .set('Content-Type', 'text/plain')
        .send(fixtures.sequence(key, ['A'])),
      415,
      'DEPLOY_MEDIA_TYPE',
    );
    // JSON is a bundle { bpmn, forms }: anything else in it is named
    const notBundle = expectError(
      await api.http.post('/api/templates').send({ xml: fixtures.sequence(key, ['A']) }),
      400,
      'DEPLOY_BODY_INVALID',
    );
    expect(notBundle.details).toEqual([
      { field: 'xml', message: '不接受字段 xml（只接受 bpmn 和 forms）' },
      { field: 'bpmn', message: 'bpmn 必须是 BPMN 2.0 XML 文本' },
    ]);
    const empty = expectError(await deploy('  '), 400);
    expect(empty.details).toEqual([{ field: 'body', message: '必须是 BPMN 2.0 XML' }]);
    expect(empty.message).toBe('请求体是空的：请上传 BPMN 文件');
    expectError(await deploy(`<x>${'a'.repeat(5 * 1024 * 1024 + 1)}</x>`), 413);
  });

  it('lists the latest version of each key and serves a version with its XML', async () => {
    const list = await api.http.get('/api/templates');
    expect(list.status).toBe(200);
    const mine = (list.body as { items: { key: string }[] }).items.filter((item) =>
      item.key.startsWith(key),
    );
    expect(mine).toEqual([
      expect.objectContaining({ key, version: 2, versions: 2, file: 'upload.bpmn' }),
      expect.objectContaining({ key: `${key}-one`, version: 1, versions: 1 }),
      expect.objectContaining({ key: `${key}-two`, version: 1, versions: 1 }),
    ]);
    const latest = await api.http.get(`/api/templates/${key}`);
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual(
      expect.objectContaining({
        key,
        version: 2,
        deployedBy: api.admin.userId,
        xml: fixtures.sequence(key, ['A', 'B']),
      }),
    );
    const first = await api.http.get(`/api/templates/${key}?version=1`);
    expect(first.body).toEqual(
      expect.objectContaining({
        version: 1,
        file: `${key}.bpmn`,
        xml: fixtures.sequence(key, ['A']),
      }),
    );
    expectError(await api.http.get(`/api/templates/${key}?version=9`), 404, 'TEMPLATE_NOT_FOUND');
    const bad = expectError(await api.http.get(`/api/templates/${key}?version=zero`), 400);
    expect(bad.details).toEqual([
      { field: 'version', message: expect.stringContaining('version 必须是') },
    ]);
  });

  it('documents the api (OpenAPI): an opaque bearer token, every route tagged, no uuid-looking examples', async () => {
    const response = await api.http.get('/api/docs-json');
    expect(response.status).toBe(200);
    const document = response.body as {
      components: { securitySchemes: Record<string, Record<string, unknown>> };
      paths: Record<string, Record<string, { tags?: string[] }>>;
      tags: { name: string }[];
    };
    expect(document.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' }),
    );
    expect(document.components.securitySchemes.session).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'bf_session' }),
    );
    const declared = new Set(document.tags.map((tag) => tag.name));
    const untagged = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => !operation.tags?.some((tag) => declared.has(tag)))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(untagged).toEqual([]);
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(text).not.toContain('theme-party-day');
    expect(text).toContain('branch-rd');
  });
});
