import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

/** A form-js schema with one required text field `key`. */
const formWith = (key: string) => ({
  type: 'default',
  components: [{ type: 'textfield', key, label: '标题', validate: { required: true } }],
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A template with its forms as one multipart/form-data upload (issue 14, part 7). */
describe('api: deploy a template with its forms as multipart/form-data', () => {
  let api: ApiHarness;
  let tag: string;

  beforeAll(async () => {
    api = await startApi();
    tag = api.tag;
  });

  afterAll(async () => {
    await api.close();
  });

  /** Posts the files as parts of the field `files`: [file name, bytes]. */
  const deploy = (files: [string, Buffer][], as = api.http) => {
    let post = as.post('/api/templates');
    for (const [filename, bytes] of files) {
      post = post.attach('files', bytes, { filename, contentType: 'application/octet-stream' });
    }
    return post;
  };
  const versions = async (key: string) =>
    (
      await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM process_definitions WHERE key = $1`,
        [key],
      )
    )[0].n;

  it('deploys a .bpmn with its .form as a new version, the form named by its file', async () => {
    const key = `mp-${tag}`;
    const formId = `mp-form-${tag}`;
    const xml = Buffer.from(fixtures.review(key, tag, formId));
    const first = await deploy([
      [`主题党日-${tag}.bpmn`, xml],
      [`${formId}.form`, json(formWith('title'))],
    ]);
    expect(first.status).toBe(201);
    expect(first.body).toEqual(
      expect.objectContaining({ key, version: 1, created: true, forms: [formId] }),
    );
    const template = await api.http.get(`/api/templates/${key}`);
    expect(template.body).toEqual(expect.objectContaining({ file: `主题党日-${tag}.bpmn` }));
    // The same files again change nothing; a changed form is version 2
    const again = await deploy([
      [`${key}.bpmn`, xml],
      [`${formId}.form`, json(formWith('title'))],
    ]);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(expect.objectContaining({ version: 1, created: false }));
    const changed = await deploy([
      [`${formId}.form`, json(formWith('summary'))],
      [`${key}.bpmn`, xml],
    ]);
    expect(changed.status).toBe(201);
    expect(changed.body).toEqual(expect.objectContaining({ version: 2, created: true }));
  });

  it('refuses a template whose form is missing (422 naming the task and the form), deploying nothing', async () => {
    const key = `mp-missing-${tag}`;
    const formId = `mp-nowhere-${tag}`;
    const refused = expectError(
      await deploy([
        [`${key}.bpmn`, Buffer.from(fixtures.review(key, tag, formId))],
        [`mp-other-${tag}.form`, json(formWith('title'))],
      ]),
      422,
      'TEMPLATE_INVALID',
    );
    expect(refused.details).toEqual([
      expect.objectContaining({
        elementId: 'Review',
        message: expect.stringContaining(`form '${formId}' is missing`) as unknown,
      }),
    ]);
    expect(await versions(key)).toBe(0);
  });

  it('refuses a form that is not JSON, or not valid form-js (422 naming the form)', async () => {
    const key = `mp-bad-${tag}`;
    const formId = `mp-bad-form-${tag}`;
    const xml = Buffer.from(fixtures.review(key, tag, formId));
    const notJson = expectError(
      await deploy([
        [`${key}.bpmn`, xml],
        [`${formId}.form`, Buffer.from('{ "components": [ ')],
      ]),
      422,
      'TEMPLATE_INVALID',
    );
    expect(JSON.stringify(notJson.details)).toContain(formId);
    const invalid = expectError(
      await deploy([
        [`${key}.bpmn`, xml],
        [`${formId}.form`, json({ components: [{ type: 'slider', key: 'level' }] })],
      ]),
      422,
      'TEMPLATE_INVALID',
    );
    expect(JSON.stringify(invalid.details)).toContain(formId);
    expect(await versions(key)).toBe(0);
  });

  it('refuses too many parts, no .bpmn, two, and a part of another kind (4xx naming it)', async () => {
    const key = `mp-parts-${tag}`;
    const xml = Buffer.from(fixtures.review(key, tag, `mp-f-${tag}`));
    const many: [string, Buffer][] = [[`${key}.bpmn`, xml]];
    for (let i = 0; i <= 100; i += 1) many.push([`mp-f${i}-${tag}.form`, json(formWith('t'))]);
    const tooMany = expectError(await deploy(many), 400, 'MULTIPART_TOO_MANY_FILES');
    expect(tooMany.details).toEqual({ maxFiles: 101 });

    const noBpmn = expectError(
      await deploy([[`mp-f-${tag}.form`, json(formWith('t'))]]),
      400,
      'DEPLOY_BODY_INVALID',
    );
    expect(noBpmn.details).toEqual([expect.objectContaining({ field: 'file' })]);
    const two = expectError(
      await deploy([
        [`${key}.bpmn`, xml],
        [`${key}-2.bpmn`, xml],
      ]),
      400,
      'DEPLOY_BODY_INVALID',
    );
    expect(two.details).toEqual([expect.objectContaining({ field: `${key}-2.bpmn` })]);
    const other = expectError(
      await deploy([
        [`${key}.bpmn`, xml],
        ['说明.txt', Buffer.from('readme')],
      ]),
      400,
      'DEPLOY_BODY_INVALID',
    );
    expect(other.details).toEqual([expect.objectContaining({ field: '说明.txt' })]);
    expect(await versions(key)).toBe(0);
  });

  it('is for integrators only (403), like the other deploy bodies', async () => {
    const member = await api.user('mp-member', [{ role: 'member', orgUnitId: api.org.branchA }]);
    const key = `mp-403-${tag}`;
    expectError(
      await deploy([[`${key}.bpmn`, Buffer.from(fixtures.review(key, tag, 'x'))]], member.http),
      403,
    );
    expect(await versions(key)).toBe(0);
  });
});
