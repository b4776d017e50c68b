import { beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument } from './openapi-document.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  readonly operationId?: string;
  readonly tags?: string[];
  readonly security?: Record<string, string[]>[];
}

describe('the OpenAPI document (the web app’s contract)', () => {
  let document: OpenAPIObject;
  let operations: [string, Operation][];

  beforeAll(async () => {
    document = await buildOpenApiDocument();
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = (item as Record<string, Operation | undefined>)[method];
        return operation
          ? [[`${method.toUpperCase()} ${path}`, operation] as [string, Operation]]
          : [];
      }),
    );
  }, 60_000);

  it('documents the routes', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.map(([route]) => route)).toEqual(
      expect.arrayContaining([
        'GET /api/tasks',
        'POST /api/tasks/{id}/complete',
        'GET /api/health',
      ]),
    );
  });

  it('groups every operation under a declared tag with a Chinese description', () => {
    const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description ?? '']));
    const untagged = operations
      .filter(([, operation]) => !operation.tags?.some((tag) => declared.has(tag)))
      .map(([route]) => route);
    expect(untagged).toEqual([]);
    const notChinese = [...declared].filter(
      ([, description]) => !/[\u3400-\u9fff]/.test(description),
    );
    expect(notChinese).toEqual([]);
  });

  it('gives every operation a stable snake-case operationId, unique', () => {
    const ids = operations.map(([, operation]) => operation.operationId ?? '');
    expect(ids.filter((id) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const byRoute = Object.fromEntries(operations.map(([route, op]) => [route, op.operationId]));
    expect(byRoute['GET /api/tasks']).toBe('tasks_list');
  });

  it('declares the opaque bearer token and the session cookie', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' }),
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'bf_session' }),
    });
  });

  it('documents the error body with a required code', () => {
    const schema = document.components?.schemas?.ErrorResponseDto as {
      required?: string[];
    };
    expect(schema.required).toEqual(
      expect.arrayContaining(['statusCode', 'error', 'message', 'code']),
    );
  });

  it('uses the sample organisation’s ids in its examples, never a made-up uuid', () => {
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(text).toContain('branch-rd');
    expect(text).toContain('theme-day');
    // A person in the examples is a sample user: branch-rd's secretary 王建国
    expect(text).toContain('secretary.branch-rd');
    expect(text).not.toMatch(/example\.user|示例用户/);
  });
});
