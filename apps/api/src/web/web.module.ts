import { resolve } from 'node:path';
import type { Env } from '@app/config';
import { ENV } from '@app/runtime';
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { webAppPlugin } from './web-app.plugin.js';

/** Registers the web app's routes on the api's Fastify instance (see webAppPlugin). */
@Injectable()
export class WebAppRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ENV) private readonly env: Env,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Loaded with the other plugins when Fastify gets ready (app.factory.ts awaits it)
    void fastify.register(webAppPlugin, {
      root: resolve(this.env.WEB_DIST_DIR),
      apiPrefix: 'api',
    });
  }
}

/** The built web app (apps/web/dist) at `/`, beside the api under `/api`. */
@Module({ providers: [WebAppRoutes] })
export class WebModule {}
