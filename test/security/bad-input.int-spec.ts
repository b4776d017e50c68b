import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';
import { fixtures } from '../api/fixtures.js';

/**
 * Issue 13, finding 9: input PostgreSQL cannot store, or later code cannot walk, got a 500.
 * Each of these is a 400 naming the field, and nothing of it is stored.
 */
describe('security: bad input gets a 400 naming the field, never a 500', () => {
  let api: ApiHarness;
  let key: string;
  let taskId: string;
  let itemId: string;

  beforeAll(async () => {
    api = await startApi();
    key = `bad-input-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const deployed = await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(key, ['A', 'B']));
    expect(deployed.status).toBe(201);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, businessKey: `${key}:ok`, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    taskId = (started.body as { openTasks: { id: string }[] }).openTasks[0].id;
    const item = await api.http.post('/api/ledger/items').send(ledgerItem('整改学习记录'));
    expect(item.status).toBe(201);
    itemId = (item.body as { id: string }).id;
  });

  afterAll(async () => {
    await api.close();
  });

  const ledgerItem = (title: string) => ({
    list: 'problem',
    title,
    standard: '补齐记录',
    orgUnitId: api.org.branchA,
    responsible: '张书记',
    assessingUnitId: api.org.general,
    dueAt: '2026-04-30T18:00:00+08:00',
  });

  /** The 400's message and details name `field`. */
  const expectNamed = (response: { status: number; body: unknown }, field: string) => {
    const body = expectError(response, 400);
    expect(body.message).toContain(field);
    expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  };

  describe('NUL and unpaired surrogates, in any string of the body', () => {
    it.each([
      ['NUL', '\u0000'],
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate', 'x\udc00y'],
    ])('%s in a business key', async (_, bad) => {
      const response = await api.http
        .post('/api/instances')
        .send({ templateKey: key, businessKey: `k${bad}`, orgUnitId: api.org.branchA });
      expectNamed(response, 'businessKey');
    });

    it('NUL in a start variable, nested', async () => {
      const response = await api.http.post('/api/instances').send({
        templateKey: key,
        orgUnitId: api.org.branchA,
        variables: { plan: { steps: ['学习', 'a\u0000b'] } },
      });
      expectNamed(response, 'variables.plan.steps.1');
    });

    it('a lone surrogate in a variable of a completion, and in a key', async () => {
      expectNamed(
        await api.http
          .post(`/api/tasks/${taskId}/complete`)
          .send({ variables: { plan: '\ud83d' } }),
        'variables.plan',
      );
      const response = await api.http
        .post(`/api/tasks/${taskId}/complete`)
        .send({ variables: { 'p\u0000': 1 } });
      expectError(response, 400);
      expect((response.body as { message: string }).message).toContain('variables.p\\u0000');
    });

    it('a well-formed surrogate pair (an emoji) is taken', async () => {
      const response = await api.http.post('/api/instances').send({
        templateKey: key,
        businessKey: `${key}:😀`,
        orgUnitId: api.org.branchA,
        variables: { note: '👍' },
      });
      expect(response.status).toBe(201);
    });

    it('NUL in a ledger title and a progress note', async () => {
      expectNamed(await api.http.post('/api/ledger/items').send(ledgerItem('a\u0000')), 'title');
      expectNamed(
        await api.http.post(`/api/ledger/items/${itemId}/progress`).send({ note: 'x\u0000' }),
        'note',
      );
    });

    it('NUL in the query string and in a path parameter', async () => {
      expectNamed(await api.http.get('/api/instances?businessKey=a%00b'), 'businessKey');
      expectNamed(await api.http.get('/api/templates/a%00b'), 'key');
    });

    it('NUL in a BPMN document', async () => {
      const response = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(fixtures.sequence(`${key}-nul`, ['A']).replace('A step', 'A\u0000step'));
      expectNamed(response, 'body');
    });
  });

  describe('deep nesting', () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    it('a body nested 20,000 deep is a 400 naming where, and the api goes on', async () => {
      const response = await api.http
        .post('/api/instances')
        .set('Content-Type', 'application/json')
        .send(`{"templateKey":"${key}","variables":{"x":${deep(20_000)}}}`);
      const body = expectError(response, 400);
      // the path of the 65th level: variables (2), x (3), then 62 arrays
      expect(body.details).toEqual([
        {
          field: `variables.x${'.0'.repeat(62)}`,
          message: `variables.x${'.0'.repeat(62)} 嵌套超过 64 层数组和对象`,
        },
      ]);
      expect((await api.http.get('/api/health')).status).toBe(200);
    });

    it('64 levels are taken', async () => {
      const response = await api.http
        .post('/api/instances')
        .set('Content-Type', 'application/json')
        .send(
          `{"templateKey":"${key}","orgUnitId":"${api.org.branchA}","variables":{"x":${deep(62)}}}`,
        );
      expect(response.status).toBe(201);
    });
  });

  describe('numbers out of range in the query', () => {
    it.each(['1e308', '1e20', '9007199254740993', '2147483648', 'Infinity', '-1', '1.5'])(
      'page=%s',
      async (page) => {
        expectNamed(await api.http.get(`/api/tasks?page=${page}`), 'page');
        expectNamed(await api.http.get(`/api/instances?page=${page}`), 'page');
        expectNamed(await api.http.get(`/api/ledger/items?page=${page}`), 'page');
      },
    );

    it('a page far past the end is an empty page', async () => {
      const response = await api.http.get('/api/tasks?page=2147483647&pageSize=100');
      expect(response.status).toBe(200);
      expect((response.body as { items: unknown[] }).items).toEqual([]);
    });

    it.each(['1e10', '2147483648', '1e308'])('version=%s', async (version) => {
      expectNamed(await api.http.get(`/api/templates/${key}?version=${version}`), 'version');
    });
  });

  describe('blank text', () => {
    it.each(['title', 'standard', 'responsible'])(
      'a ledger item whose %s is only white space is refused',
      async (field) => {
        const response = await api.http
          .post('/api/ledger/items')
          .send({ ...ledgerItem('整改'), [field]: ' \t\n ' });
        expectNamed(response, field);
        expect(response.body).toMatchObject({
          details: [{ field, message: `${field} 不能为空白` }],
        });
      },
    );

    it.each([
      ['progress', 'note'],
      ['reopen', 'reason'],
      ['reject', 'reason'],
    ])('a blank %s %s is refused', async (action, field) => {
      const response = await api.http
        .post(`/api/ledger/items/${itemId}/${action}`)
        .send({ [field]: '   ' });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      if (response.status === 400) expectNamed(response, field);
    });
  });
});
