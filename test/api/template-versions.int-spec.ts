import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import request from 'supertest';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

interface Version {
  version: number;
  deployedByName: string;
  forms: string[];
  running: number;
  completed: number;
  terminated: number;
}

/**
 * The integrator's templates pages (issue 15): the templates with their running instances,
 * every version of one with its forms and the instances on it, for integrators and admins
 * (403 said in Chinese to anyone else); an admin starts an instance by hand in a unit below
 * their grant.
 */
describe('api: template versions and instance counts', () => {
  let api: ApiHarness;
  let key: string;
  let integrator: request.Agent;
  let admin: request.Agent;
  let otherAdmin: request.Agent;
  let secretary: request.Agent;

  beforeAll(async () => {
    api = await startApi();
    key = `tv-${api.tag}`;
    const directory = api.app.get(OrgDirectory);
    const as = async (name: string, grants: { role: 'admin'; orgUnitId: string }[]) => {
      const created = await directory.createUser({ name, grants });
      return request.agent(api.app.getHttpServer()).set('Authorization', `Bearer ${created.token}`);
    };
    integrator = (
      await api.user(`流程管理员-${api.tag}`, [
        { role: 'integrator', orgUnitId: api.org.committee },
      ])
    ).http;
    admin = await as(`组织管理员-${api.tag}`, [{ role: 'admin', orgUnitId: api.org.committee }]);
    otherAdmin = await as(`支部管理员-${api.tag}`, [{ role: 'admin', orgUnitId: api.org.branchB }]);
    secretary = (
      await api.user(`书记-${api.tag}`, [{ role: 'secretary', orgUnitId: api.org.branchA }])
    ).http;
  });

  afterAll(async () => {
    await api.close();
  });

  const deploy = (xml: string) =>
    integrator.post('/api/templates').set('Content-Type', 'application/xml').send(xml);
  const start = (as: request.Agent, orgUnitId: string) =>
    as.post('/api/instances').send({ templateKey: key, orgUnitId });

  it('counts the instances on each version, for integrators and admins', async () => {
    expect((await deploy(fixtures.sequence(key, ['A']))).status).toBe(201);
    expect((await start(api.http, api.org.branchA)).status).toBe(201);
    expect((await start(api.http, api.org.branchB)).status).toBe(201);
    expect((await deploy(fixtures.sequence(key, ['A', 'B']))).status).toBe(201);
    const third = await start(api.http, api.org.branchA);
    expect(third.status).toBe(201);
    const cancelled = await api.http.post(
      `/api/instances/${(third.body as { id: string }).id}/cancel`,
    );
    expect(cancelled.status).toBe(200);

    // The list: the latest version, who deployed it by name, the running instances of all versions
    const list = await integrator.get('/api/templates?counts=true');
    expect(list.status).toBe(200);
    expect((list.body as { items: object[] }).items).toContainEqual(
      expect.objectContaining({
        key,
        version: 2,
        versions: 2,
        running: 2,
        deployedByName: `流程管理员-${api.tag}`,
      }),
    );
    // Without counts, as before (the inbox's template filter)
    const plain = await secretary.get('/api/templates');
    expect(plain.status).toBe(200);
    const mine = (plain.body as { items: Record<string, unknown>[] }).items.find(
      (item) => item.key === key,
    );
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty('running');

    // The versions, newest first, each with its counts
    const versions = await integrator.get(`/api/templates/${key}/versions`);
    expect(versions.status).toBe(200);
    const items = (versions.body as { items: Version[] }).items;
    expect(items.map((item) => item.version)).toEqual([2, 1]);
    expect(items[0]).toEqual(
      expect.objectContaining({ running: 0, completed: 0, terminated: 1, forms: [] }),
    );
    expect(items[1]).toEqual(
      expect.objectContaining({
        running: 2,
        completed: 0,
        terminated: 0,
        deployedByName: `流程管理员-${api.tag}`,
      }),
    );

    // An admin counts the units below their grant only
    const below = await otherAdmin.get(`/api/templates/${key}/versions`);
    expect(below.status).toBe(200);
    expect((below.body as { items: Version[] }).items[1]).toEqual(
      expect.objectContaining({ running: 1 }),
    );
    const all = await admin.get('/api/templates?counts=true');
    expect((all.body as { items: object[] }).items).toContainEqual(
      expect.objectContaining({ key, running: 2 }),
    );
  });

  it('lists a version’s forms', async () => {
    const formKey = `tv-form-${api.tag}`;
    const formId = `tv-form-${api.tag}-record`;
    const response = await integrator.post('/api/templates').send({
      bpmn: fixtures.review(formKey, api.tag, formId),
      forms: { [formId]: { type: 'default', components: [] } },
    });
    expect(response.status).toBe(201);
    const versions = await integrator.get(`/api/templates/${formKey}/versions`);
    expect((versions.body as { items: Version[] }).items[0]?.forms).toEqual([formId]);
  });

  it('refuses counts and versions to anyone but integrators and admins (403 in Chinese); an unknown key is 404', async () => {
    const counts = expectError(await secretary.get('/api/templates?counts=true'), 403, 'FORBIDDEN');
    expect(counts.message).toBe('只有流程管理员或组织管理员可以执行此操作');
    expectError(await secretary.get(`/api/templates/${key}/versions`), 403, 'FORBIDDEN');
    expectError(
      await integrator.get(`/api/templates/none-${api.tag}/versions`),
      404,
      'TEMPLATE_NOT_FOUND',
    );
  });

  it('lets an admin start an instance by hand in a unit below their grant, not elsewhere', async () => {
    const started = await start(admin, api.org.branchA);
    expect(started.status).toBe(201);
    expect(started.body).toEqual(expect.objectContaining({ templateKey: key, version: 2 }));
    // branch A is not below branch B's admin: the same 400 as a unit that does not exist
    const refused = expectError(await start(otherAdmin, api.org.branchA), 400, 'VALIDATION_FAILED');
    expect(refused.details).toEqual([expect.objectContaining({ field: 'orgUnitId' })]);
    // and an integrator is no admin: templates, not instances
    expectError(await start(integrator, api.org.branchA), 400, 'VALIDATION_FAILED');
  });
});
