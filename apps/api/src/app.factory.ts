import 'reflect-metadata';
import type { Env } from '@app/config';
import fastifyMultipart from '@fastify/multipart';
import type { Clock } from '@app/store';
import type { INestApplication, LogLevel, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { SESSION_COOKIE } from './auth/session-cookie.js';
import { ErrorResponseDto } from './common/error-response.dto.js';
import { operationId } from './common/operation-id.js';
import { ApiFastifyAdapter } from './platform/api-fastify-adapter.js';
import { XML_MEDIA_TYPES } from './templates/templates.controller.js';

export interface ApiAppOptions {
  readonly env: Env;
  readonly clock?: Clock;
  /** Default: the levels up to env.LOG_LEVEL. */
  readonly logger?: LoggerService | LogLevel[] | false;
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevels(level: string): LogLevel[] {
  const upTo = LEVELS.indexOf(level as LogLevel);
  return LEVELS.slice(0, upTo < 0 ? LEVELS.indexOf('log') + 1 : upTo + 1);
}

/**
 * Builds the api application on Fastify, initialised (and Fastify ready) but not listening:
 * `/api` prefix, JSON (1 MB) and XML (5 MB) body parsers (see ApiFastifyAdapter), the global
 * validation pipe and exception filter (in AppModule), OpenAPI at `/api/docs`. main.ts
 * listens on it; the tests drive it in-process with supertest.
 */
export async function createApiApp(options: ApiAppOptions): Promise<NestFastifyApplication> {
  const { env } = options;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ env, clock: options.clock }),
    new ApiFastifyAdapter({
      jsonLimit: '1mb',
      jsonMaxDepth: env.JSON_MAX_DEPTH,
      textTypes: XML_MEDIA_TYPES,
      textLimit: '5mb',
      trustProxy: env.trustProxy,
    }),
    {
      bodyParser: false,
      abortOnError: false,
      logger: options.logger ?? logLevels(env.LOG_LEVEL),
    },
  );
  // Multipart bodies (evidence from a phone, a template with its forms) are read per route with
  // its own limits (common/multipart.ts); these are the defaults: one evidence file
  await app.register(fastifyMultipart, {
    limits: {
      files: 1,
      fileSize: env.LEDGER_ATTACHMENT_MAX_BYTES,
      fields: 4,
      fieldSize: 1024,
      parts: 5,
      headerPairs: 20,
    },
    throwFileSizeLimit: true,
  });
  app.setGlobalPrefix('api');
  const document = createApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  await app.init();
  // Plugins (the docs' static files) load and the routes are fixed when Fastify is ready
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * The OpenAPI document of an application built from AppModule with the `api` prefix — the
 * contract the web app's types are generated from (apps/api/src/openapi-document.ts builds
 * it without a database, Redis or a port).
 */
export function createApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('branchflow')
      .setDescription(
        'BPMN workflow engine for grassroots Party-building work: templates, instances, tasks, ' +
          'audit, notifications, the 挂账销号 ledger. Every route except health and log-in needs ' +
          'a token: `Authorization: Bearer <token>` (an opaque machine token `bf_…` from ' +
          '`cli user create` / `cli token issue`, or a session token `bfs_…` from ' +
          '`POST /api/auth/login`), or the `bf_session` cookie that log-in sets (a write sent ' +
          'with the cookie also needs the `X-Requested-With` header). 401 without one. What ' +
          'lies outside your org scope answers exactly as what does not exist (404). Every ' +
          'error is `{ statusCode, error, message, code?, details? }`; the stable `code`s are ' +
          'listed in apps/api/README.md, "Error codes". The examples use the ids of the sample ' +
          'organisation (`npm run -s cli -- seed`): units `committee`, `general-1`, `branch-rd`, …; ' +
          'templates `theme-day`, `member-development`, `secretary-project`, `political-birthday`.',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'opaque',
          description:
            'An opaque token, not a JWT: a machine token `bf_…` or a session token `bfs_…`.',
        },
        'bearer',
      )
      .addCookieAuth(
        SESSION_COOKIE,
        {
          type: 'apiKey',
          in: 'cookie',
          description: 'The session cookie `POST /api/auth/login` sets (the browser app).',
        },
        'session',
      )
      .addTag('templates', '流程模板 — BPMN templates: deploy (with their forms), list, read')
      .addTag('instances', '流程实例 — Process instances: start them, follow them')
      .addTag('tasks', '待办 — User tasks: inbox, claim, complete with the form’s values')
      .addTag('ledger', '台账（挂账销号） — ledger items, evidence, verification, roll-up')
      .addTag('org', '党组织与党员 — The organisation: units, members, roster import')
      .addTag('accounts', '用户与令牌 — Users, grants and machine tokens')
      .addTag('auth', '登录 — Log-in, sessions, password')
      .addTag('channels', '通知渠道 — Notification channels per unit (WeCom / DingTalk robots)')
      .addTag('notifications', '站内通知 — The in-app inbox')
      .addTag('audit', '审计 — The hash-chained audit trail and its checkpoints')
      .addTag('health', '健康检查 — Liveness and readiness (no token)')
      .setVersion('1')
      .build(),
    { extraModels: [ErrorResponseDto], operationIdFactory: operationId },
  );
}
