import type { Env } from '@app/config';
import { AccountsRepository, OrgDirectory, type Principal, SESSION_PREFIX } from '@app/org';
import { CLOCK, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AuthThrottle } from '../platform/auth-throttle.js';
import { AccessService } from './access.service.js';
import { AccountCode, CodedProblem } from './coded-problem.js';
import type { AuthenticatedRequest } from './principal.decorator.js';
import { IS_PUBLIC } from './public.decorator.js';
import {
  ALLOW_PENDING_PASSWORD,
  CSRF_HEADER,
  SESSION_COOKIE,
  type SessionInfo,
  cookieValue,
} from './session-cookie.js';

/** What the guard leaves on the request besides the principal. */
export interface SessionRequest extends AuthenticatedRequest {
  session?: SessionInfo;
  ip?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How long a token's principal is reused before it is read again (revocation delay). */
const PRINCIPAL_TTL_MS = 5_000;

/**
 * Every route needs a credential unless marked @Public(): `Authorization: Bearer <token>` (a
 * machine token, or a session token `bfs_…` from POST /api/auth/login), or the session cookie
 * `bf_session` a browser got at log-in. Tokens are looked up by their sha256; a machine token's
 * principal (user + role grants) is kept for a few seconds so a busy client costs one lookup
 * per TTL, not one per request; a session is read on every request (a log-out, a disabled
 * user or a changed password ends it at once). A cookie-authenticated request with an unsafe
 * method must carry `X-Requested-With` (CSRF). While a session's user must change their
 * password, only routes marked @AllowPendingPassword() answer. Refusals are audited.
 *
 * Failed authentications are throttled per client address (`request.ip`, see TRUST_PROXY):
 * past AUTH_FAILURES_PER_MINUTE, every request from the address is answered 429 with
 * `Retry-After` for AUTH_LOCKOUT_SECONDS, before any token lookup or audit write.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleDestroy {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly idleMs: number;

  constructor(
    private readonly reflector: Reflector,
    private readonly org: OrgDirectory,
    private readonly accounts: AccountsRepository,
    private readonly access: AccessService,
    private readonly throttle: AuthThrottle,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) env: Env,
  ) {
    this.idleMs = env.SESSION_IDLE_MINUTES * 60_000;
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
    const request = http.getRequest<SessionRequest>();
    const address = request.ip ?? 'unknown';
    const locked = this.throttle.retryAfter(address);
    if (locked !== null) return this.tooMany(http.getResponse<FastifyReply>(), request, locked);
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
    const cookie = value === undefined ? cookieValue(request.headers.cookie, SESSION_COOKIE) : null;
    const token = match?.[1] ?? cookie;
    if (token != null && token.length <= 256) {
      if (token.startsWith(SESSION_PREFIX)) {
        const session = await this.accounts.sessionPrincipal(token, this.idleMs);
        if (session) {
          request.principal = session.principal;
          request.session = {
            kind: 'session',
            sessionId: session.sessionId,
            viaCookie: match === null,
            mustChangePassword: session.mustChangePassword,
          };
          await this.checkSession(context, request);
          return true;
        }
      } else if (match) {
        const principal = await this.principal(match[1]);
        if (principal) {
          request.principal = principal;
          request.session = {
            kind: 'token',
            sessionId: null,
            viaCookie: false,
            mustChangePassword: false,
          };
          return true;
        }
      }
    }
    const lockout = await this.throttle.failed(address);
    if (lockout !== null) return this.tooMany(http.getResponse<FastifyReply>(), request, lockout);
    return this.access.unauthenticated(
      request,
      match
        ? 'the bearer token is unknown, revoked or expired'
        : cookie !== null
          ? 'the session has ended (logged out, expired or revoked): log in again'
          : value === undefined
            ? 'authentication required: log in (POST /api/auth/login) or send Authorization: Bearer <token>'
            : 'the Authorization header must be "Bearer <token>"',
    );
  }

  /** CSRF for cookie sessions, and the pending password change. */
  private async checkSession(context: ExecutionContext, request: SessionRequest): Promise<void> {
    const session = request.session!;
    const principal = request.principal!;
    if (
      session.viaCookie &&
      !SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) &&
      request.headers[CSRF_HEADER] === undefined
    ) {
      await this.access.conceal(
        principal,
        request,
        'a request authenticated by the session cookie that changes something must carry the header X-Requested-With',
        new CodedProblem(
          HttpStatus.FORBIDDEN,
          AccountCode.CSRF_HEADER_REQUIRED,
          'a request authenticated by the session cookie that changes something must carry the header X-Requested-With',
        ),
      );
    }
    if (
      session.mustChangePassword &&
      !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      await this.access.conceal(
        principal,
        request,
        'the password must be changed first (POST /api/auth/password)',
        new CodedProblem(
          HttpStatus.FORBIDDEN,
          AccountCode.PASSWORD_CHANGE_REQUIRED,
          'your password must be changed before anything else: POST /api/auth/password with { current, new }',
        ),
      );
    }
  }

  private tooMany(
    reply: FastifyReply,
    request: SessionRequest,
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
    if (principal) {
      this.cache.set(token, { principal, until: now + PRINCIPAL_TTL_MS });
      await this.accounts.tokenUsed(token);
    } else this.cache.delete(token);
    return principal;
  }
}
