import type { Env } from '@app/config';
import { OrgDirectory, type Principal } from '@app/org';
import { CLOCK, ENV, REDIS_CONNECTION } from '@app/runtime';
import type { Clock } from '@app/store';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RedisOptions } from 'bullmq';
import type { FastifyReply } from 'fastify';
import { AuthThrottle } from '../platform/auth-throttle.js';
import { AccessService } from './access.service.js';
import type { AuthenticatedRequest } from './principal.decorator.js';
import { IS_PUBLIC } from './public.decorator.js';

/** How long a token's principal is reused before it is read again (revocation delay). */
const PRINCIPAL_TTL_MS = 5_000;

/**
 * Every route needs `Authorization: Bearer <token>` unless marked @Public(). The token is
 * looked up by its sha256; the principal (user + role grants) is kept for a few seconds so a
 * busy client costs one lookup per TTL, not one per request. Refusals are audited.
 *
 * Failed authentications are throttled per client address (`request.ip`, see TRUST_PROXY):
 * past AUTH_FAILURES_PER_MINUTE, every request from the address is answered 429 with
 * `Retry-After` for AUTH_LOCKOUT_SECONDS, before any token lookup or audit write.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleDestroy {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly throttle: AuthThrottle;

  constructor(
    private readonly reflector: Reflector,
    private readonly org: OrgDirectory,
    private readonly access: AccessService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) env: Env,
    @Inject(REDIS_CONNECTION) redis: RedisOptions,
  ) {
    const logger = new Logger('Auth');
    this.throttle = new AuthThrottle({
      limit: env.AUTH_FAILURES_PER_MINUTE,
      windowMs: 60_000,
      lockoutMs: env.AUTH_LOCKOUT_SECONDS * 1000,
      prefix: env.BULLMQ_PREFIX,
      redis,
      warn: (message) => logger.warn(message),
    });
  }

  onModuleDestroy(): void {
    this.throttle.close();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest & { ip?: string }>();
    const address = request.ip ?? 'unknown';
    const locked = this.throttle.retryAfter(address);
    if (locked !== null) return this.tooMany(http.getResponse<FastifyReply>(), request, locked);
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
    const principal = match ? await this.principal(match[1]) : null;
    if (principal) {
      request.principal = principal;
      return true;
    }
    const lockout = await this.throttle.failed(address);
    if (lockout !== null) return this.tooMany(http.getResponse<FastifyReply>(), request, lockout);
    return this.access.unauthenticated(
      request,
      match
        ? 'the bearer token is unknown, revoked or expired'
        : value === undefined
          ? 'authentication required: send Authorization: Bearer <token>'
          : 'the Authorization header must be "Bearer <token>"',
    );
  }

  private tooMany(
    reply: FastifyReply,
    request: AuthenticatedRequest & { ip?: string },
    retryAfterSeconds: number,
  ): Promise<never> {
    void reply.header('Retry-After', String(retryAfterSeconds));
    return this.access.tooManyFailures(request, retryAfterSeconds);
  }

  private async principal(token: string): Promise<Principal | null> {
    const now = this.clock.now();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.principal;
    const principal = await this.org.authenticate(token);
    if (this.cache.size > 10_000) this.cache.clear();
    if (principal) this.cache.set(token, { principal, until: now + PRINCIPAL_TTL_MS });
    else this.cache.delete(token);
    return principal;
  }
}
