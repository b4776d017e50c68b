import 'reflect-metadata';
import type { Env } from '@app/config';
import type { Clock } from '@app/store';
import type { LogLevel, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { ErrorResponseDto } from './common/error-response.dto.js';
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
  app.setGlobalPrefix('api');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('branchflow')
      .setDescription(
        'BPMN workflow engine for grassroots Party-building work: templates, instances, tasks, ' +
          'audit, notifications, the 挂账销号 ledger. Every route except health needs ' +
          '`Authorization: Bearer <token>` (tokens from `npm run -s cli -- user create`); 401 without ' +
          'one, 403 outside your org scope (refusals are audited). Every error is ' +
          '`{ statusCode, error, message, code?, details? }`.',
      )
      .addBearerAuth()
      .setVersion('1')
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  await app.init();
  // Plugins (the docs' static files) load and the routes are fixed when Fastify is ready
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
