import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

/** A form-js schema with one required text field `key`. */
const formWith = (key: string, label = key) => ({
  type: 'default',
  components: [{ type: 'textfield', key, label, validate: { required: true } }],
});

interface Deployed {
  key: string;
  version: number;
  created: boolean;
  forms: string[];
  checksum: string;
}

describe('api: templates deploy with their forms (issue 14)', () => {
  let api: ApiHarness;
  let tag: string;

  beforeAll(async () => {
    // the templates folder holds a form of the same id as the one deployed: it must not win
    api = await startApi({ forms: { [`df-form-${'x'}`]: formWith('fromDisk') } });
    tag = api.tag;
  });

  afterAll(async () => {
    await api.close();
  });

  const bundle = (bpmn: string, forms: Record<string, unknown> = {}) =>
    api.http.post('/api/templates').send({ bpmn, forms });
  const xmlOnly = (bpmn: string) =>
    api.http.post('/api/templates').set('Content-Type', 'application/xml').send(bpmn);

  it('refuses a BPMN file naming a form that is neither given nor deployed (422, naming task and form)', async () => {
    const key = `df-missing-${tag}`;
    const formId = `df-nowhere-${tag}`;
    const alone = expectError(
      await xmlOnly(fixtures.review(key, tag, formId)),
      422,
      'TEMPLATE_INVALID',
    );
    expect(alone.details).toEqual([
      {
        elementId: 'Review',
        bpmnType: 'bpmn:UserTask',
        message: `form '${formId}' is missing: give it with the deployment (forms) or deploy it first`,
      },
    ]);
    // nothing was deployed
    expectError(await api.http.get(`/api/templates/${key}`), 404, 'TEMPLATE_NOT_FOUND');
  });

  it('refuses a form that is not valid form-js, naming each problem', async () => {
    const key = `df-bad-${tag}`;
    const formId = `df-bad-form-${tag}`;
    const response = expectError(
      await bundle(fixtures.review(key, tag, formId), {
        [formId]: {
          components: [
            { type: 'textfield', key: 'title' },
            { type: 'textfield', key: 'title' },
            { type: 'slider', key: 'level' },
            { type: 'number', key: '1st' },
          ],
        },
      }),
      422,
      'TEMPLATE_INVALID',
    );
    const messages = (response.details as { message: string }[]).map((detail) => detail.message);
    expect(messages).toEqual([
      `form '${formId}': components[1] (key 'title'): key 'title' is used by components[0] too`,
      expect.stringContaining(`form '${formId}': components[2] (key 'level'): type "slider"`),
      expect.stringContaining(
        `form '${formId}': components[3] (key '1st'): a number needs a \`key\``,
      ),
    ]);
    expectError(await bundle('<x/>', { 'bad id!': {} }), 400, 'DEPLOY_BODY_INVALID');
  });

  it('keeps the forms with the version: a changed form is a new version, a task shows its version’s form', async () => {
    const key = `df-${tag}`;
    const formId = 'df-form-x';
    const li = await api.user('li', [{ role: 'member', orgUnitId: api.org.branchA }]);
    const xml = fixtures.review(key, tag, formId, li.userId);
    // Given version 1 deployed with form v1, and an instance of it
    const first = await bundle(xml, { [formId]: formWith('title'), unused: formWith('other') });
    expect(first.status).toBe(201);
    expect(first.body).toEqual(
      expect.objectContaining({ key, version: 1, created: true, forms: [formId] }),
    );
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    const instanceId = (started.body as { id: string }).id;
    // The same bundle again changes nothing; so does the BPMN alone (its form is deployed)
    const again = await bundle(xml, { [formId]: formWith('title') });
    expect(again.status).toBe(200);
    expect((again.body as Deployed).checksum).toBe((first.body as Deployed).checksum);
    const alone = await xmlOnly(xml);
    expect(alone.status).toBe(200);
    expect(alone.body).toEqual(expect.objectContaining({ version: 1, created: false }));
    // When only the form changes
    const changed = await bundle(xml, { [formId]: formWith('summary') });
    // Then it is version 2
    expect(changed.status).toBe(201);
    expect(changed.body).toEqual(expect.objectContaining({ key, version: 2, created: true }));
    // and the BPMN alone now takes the latest deployed form: unchanged
    const aloneAgain = await xmlOnly(xml);
    expect(aloneAgain.body).toEqual(expect.objectContaining({ version: 2, created: false }));
    // The templates folder changing on disk changes nothing either
    await writeFile(
      join(api.templatesDir, 'forms', `${formId}.form`),
      JSON.stringify(formWith('disk')),
    );
    // The task of the version-1 instance shows form v1 and validates against it
    const tasks = await api.http.get(`/api/tasks?instanceId=${instanceId}`);
    const [task] = (tasks.body as { items: { id: string }[] }).items;
    const detail = await api.http.get(`/api/tasks/${task.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual(
      expect.objectContaining({ formKey: formId, form: formWith('title') }),
    );
    const refused = expectError(
      await li.http.post(`/api/tasks/${task.id}/complete`).send({ variables: { summary: 'x' } }),
      400,
      'INVALID_VARIABLES',
    );
    expect(refused.details).toEqual([{ field: 'title', message: '必填' }]);
    // An instance of version 2 shows form v2
    const second = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    const secondTasks = await api.http.get(
      `/api/tasks?instanceId=${(second.body as { id: string }).id}`,
    );
    const [secondTask] = (secondTasks.body as { items: { id: string }[] }).items;
    const secondDetail = await api.http.get(`/api/tasks/${secondTask.id}`);
    expect(secondDetail.body).toEqual(expect.objectContaining({ form: formWith('summary') }));
  });

  it('cli deploy DIR deploys each .bpmn with DIR/forms, refuses a file whose form is missing, and is a no-op again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'branchflow-deploy-'));
    try {
      const key = `df-cli-${tag}`;
      await mkdir(join(dir, 'forms'));
      await writeFile(join(dir, 'a.bpmn'), fixtures.review(key, tag, `df-cli-form-${tag}`));
      await writeFile(
        join(dir, 'forms', `df-cli-form-${tag}.form`),
        JSON.stringify(formWith('title')),
      );
      await writeFile(join(dir, 'b.bpmn'), fixtures.review(`${key}-b`, tag, `df-cli-none-${tag}`));
      const first = await cli('deploy', dir);
      expect(first.code).toBe(1);
      expect(first.stdout).toContain(`a.bpmn: ${key} version 1 deployed\n`);
      expect(first.stdout).toContain(
        `b.bpmn: Review (bpmn:UserTask): form 'df-cli-none-${tag}' is missing`,
      );
      const template = await api.http.get(`/api/templates/${key}`);
      expect(template.status).toBe(200);
      await rm(join(dir, 'b.bpmn'));
      expect(await cli('deploy', dir)).toEqual({
        code: 0,
        stdout: `a.bpmn: ${key} version 1 unchanged\n`,
        stderr: '',
      });
      expect((await cli('deploy')).code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
