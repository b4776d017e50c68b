import type { Env } from '@app/config';
import {
  AccountsRepository,
  LOGIN_NAME,
  type UserAccount,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '@app/org';
import { CLOCK, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { passwordProblemText } from '../common/messages.js';
import { AuthThrottle } from '../platform/auth-throttle.js';
import type { LoginResultDto, MeDto } from './auth.dto.js';
import type { SessionRequest } from './auth.guard.js';
import { AccountCode, CodedProblem } from './coded-problem.js';
import { RefusalLog } from './refusal-log.js';
import { sessionCookie } from './session-cookie.js';

/**
 * Log-in, log-out and password changes. Failed log-ins are throttled per account (a lock of
 * LOGIN_LOCKOUT_MINUTES after LOGIN_FAILURES_PER_ACCOUNT failures in a row) and per address
 * (the same counter as failed bearer tokens, AUTH_FAILURES_PER_MINUTE); an unknown login name
 * costs the same hashing as a wrong password. Every log-in, log-out and password change is
 * audited; failures as `auth.login_failed`, aggregated per source like refusals.
 */
@Injectable()
export class AuthService implements OnModuleDestroy {
  private readonly failures: RefusalLog;
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly throttle: AuthThrottle,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {
    this.failures = new RefusalLog(
      async (events) => {
        await this.accounts.transaction(async (tx) => {
          for (const event of events) {
            await this.accounts.audit(
              tx,
              event.type,
              event.actor,
              event.data as Record<string, unknown>,
            );
          }
        });
      },
      () => this.clock.now(),
      'auth.login_failed',
    );
    const logger = new Logger('Auth');
    this.flushTimer = setInterval(() => {
      this.failures.flush().catch((error: unknown) => {
        logger.error(
          `log-in failure summaries not written: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }, env.REFUSAL_FLUSH_SECONDS * 1000);
    this.flushTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.failures.flush();
  }

  async login(
    loginName: string,
    password: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<LoginResultDto> {
    const address = request.ip ?? 'unknown';
    const locked = this.throttle.retryAfter(address);
    if (locked !== null)
      return this.tooMany(request, reply, locked, AccountCode.TOO_MANY_FAILURES, 'address');
    const name = loginName.trim().toLowerCase();
    const candidate = LOGIN_NAME.test(name) ? await this.accounts.loginCandidate(name) : null;
    const now = this.clock.now();
    if (candidate && candidate.lockedUntil !== null && candidate.lockedUntil > now) {
      await verifyPassword(password, null); // same cost as any other answer
      return this.tooMany(
        request,
        reply,
        Math.ceil((candidate.lockedUntil - now) / 1000),
        AccountCode.ACCOUNT_LOCKED,
        'account',
        candidate.id,
      );
    }
    const ok = await verifyPassword(password, candidate?.passwordHash ?? null);
    if (!candidate || !ok || candidate.disabled) {
      const reason = !candidate
        ? `no user with the login name '${name.slice(0, 64)}'`
        : candidate.disabled
          ? `user '${candidate.loginName}' is disabled`
          : `wrong password for '${candidate.loginName}'`;
      await this.failures.record(
        candidate?.id ?? 'anonymous',
        HttpStatus.UNAUTHORIZED,
        request,
        reason,
      );
      const lockedUntil = candidate
        ? await this.accounts.loginFailed(
            candidate.id,
            this.env.LOGIN_FAILURES_PER_ACCOUNT,
            this.env.LOGIN_LOCKOUT_MINUTES * 60_000,
          )
        : null;
      const lockout = await this.throttle.failed(address);
      if (lockout !== null) {
        return this.tooMany(request, reply, lockout, AccountCode.TOO_MANY_FAILURES, 'address');
      }
      if (lockedUntil !== null) {
        return this.tooMany(
          request,
          reply,
          Math.ceil((lockedUntil - now) / 1000),
          AccountCode.ACCOUNT_LOCKED,
          'account',
          candidate!.id,
        );
      }
      throw new CodedProblem(
        HttpStatus.UNAUTHORIZED,
        AccountCode.LOGIN_FAILED,
        'the login name or the password is wrong',
      );
    }
    await this.accounts.loginSucceeded(candidate.id);
    const maxMs = this.env.SESSION_MAX_HOURS * 3_600_000;
    const session = await this.accounts.transaction(async (tx) => {
      const opened = await this.accounts.openSession(tx, candidate.id, maxMs, {
        userAgent: header(request, 'user-agent'),
        address,
      });
      await this.accounts.audit(tx, 'auth.login', candidate.id, {
        sessionId: opened.sessionId,
        loginName: candidate.loginName,
        address: address.slice(0, 64),
      });
      return opened;
    });
    void reply.header(
      'Set-Cookie',
      sessionCookie(session.token, maxMs / 1000, this.secure(request)),
    );
    void reply.header('Cache-Control', 'no-store');
    const user = (await this.accounts.user(candidate.id, null))!;
    return {
      ...meOf(user, 'session'),
      token: session.token,
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  async logout(request: SessionRequest, reply: FastifyReply): Promise<void> {
    const session = request.session;
    if (!session || session.kind !== 'session' || session.sessionId === null) {
      throw new CodedProblem(
        HttpStatus.BAD_REQUEST,
        AccountCode.NOT_A_SESSION,
        'log-out ends a log-in session; this request used a machine token (revoke it with POST /api/tokens/:id/revoke)',
      );
    }
    const sessionId = session.sessionId;
    await this.accounts.transaction(async (tx) => {
      if (await this.accounts.revokeSession(tx, sessionId)) {
        await this.accounts.audit(tx, 'auth.logout', request.principal!.userId, { sessionId });
      }
    });
    void reply.header(
      'Set-Cookie',
      sessionCookie(null, 0, this.secure(request as unknown as FastifyRequest)),
    );
  }

  async me(request: SessionRequest): Promise<MeDto> {
    const user = await this.accounts.user(request.principal!.userId, null);
    if (!user)
      throw new CodedProblem(HttpStatus.UNAUTHORIZED, AccountCode.USER_NOT_FOUND, 'no such user');
    return meOf(user, request.session?.kind ?? 'token');
  }

  /**
   * Changes the caller's password: the current one must match (a wrong one counts as a failed
   * log-in of the account), the new one must pass the policy. Ends the user's other sessions.
   */
  async changePassword(request: SessionRequest, current: string, next: string): Promise<MeDto> {
    const userId = request.principal!.userId;
    const user = await this.accounts.user(userId, null);
    if (!user)
      throw new CodedProblem(HttpStatus.UNAUTHORIZED, AccountCode.USER_NOT_FOUND, 'no such user');
    const problem = passwordProblem(next, user.loginName);
    if (problem !== null) {
      throw new CodedProblem(
        HttpStatus.BAD_REQUEST,
        AccountCode.PASSWORD_REFUSED,
        `新密码${passwordProblemText(problem)}`,
        [{ field: 'new', message: `新密码${passwordProblemText(problem)}` }],
      );
    }
    if (next === current) {
      throw new CodedProblem(
        HttpStatus.BAD_REQUEST,
        AccountCode.PASSWORD_REFUSED,
        '新密码不能与当前密码相同',
        [{ field: 'new', message: '新密码不能与当前密码相同' }],
      );
    }
    const stored = await this.accounts.passwordHash(userId);
    if (!(await verifyPassword(current, stored))) {
      await this.accounts.loginFailed(
        userId,
        this.env.LOGIN_FAILURES_PER_ACCOUNT,
        this.env.LOGIN_LOCKOUT_MINUTES * 60_000,
      );
      throw new CodedProblem(
        HttpStatus.BAD_REQUEST,
        AccountCode.CURRENT_PASSWORD_WRONG,
        '当前密码错误',
        [{ field: 'current', message: '当前密码错误' }],
      );
    }
    const hash = await hashPassword(next);
    await this.accounts.transaction(async (tx) => {
      // the hash read again under the row lock: a double submit finds the new one and fails
      const again = await this.accounts.passwordHash(userId, tx);
      if (again !== stored) {
        throw new CodedProblem(
          HttpStatus.BAD_REQUEST,
          AccountCode.CURRENT_PASSWORD_WRONG,
          '当前密码错误',
          [{ field: 'current', message: '当前密码错误' }],
        );
      }
      await this.accounts.setPassword(tx, userId, hash, false);
      await this.accounts.revokeAllOf(tx, userId, request.session?.sessionId ?? null, false);
      await this.accounts.audit(tx, 'auth.password_changed', userId, { userId, by: 'self' });
    });
    return meOf((await this.accounts.user(userId, null))!, request.session?.kind ?? 'token');
  }

  private secure(request: FastifyRequest): boolean {
    if (this.env.COOKIE_SECURE === 'true') return true;
    if (this.env.COOKIE_SECURE === 'false') return false;
    return request.protocol === 'https';
  }

  private async tooMany(
    request: FastifyRequest,
    reply: FastifyReply,
    retryAfterSeconds: number,
    code: AccountCode,
    what: 'address' | 'account',
    userId?: string,
  ): Promise<never> {
    const message =
      what === 'address'
        ? `too many failed authentications from this address; retry in ${retryAfterSeconds} s`
        : `too many failed log-ins for this account; it is locked, retry in ${retryAfterSeconds} s`;
    await this.failures.record(
      userId ?? 'anonymous',
      HttpStatus.TOO_MANY_REQUESTS,
      request,
      message,
    );
    void reply.header('Retry-After', String(retryAfterSeconds));
    throw new CodedProblem(HttpStatus.TOO_MANY_REQUESTS, code, message);
  }
}

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

export function meOf(user: UserAccount, kind: 'session' | 'token'): MeDto {
  return {
    userId: user.id,
    name: user.name,
    loginName: user.loginName,
    memberId: user.memberId,
    grants: user.grants.map((grant) => ({
      role: grant.role,
      orgUnitId: grant.orgUnitId,
      orgUnitName: grant.orgUnitName,
    })),
    mustChangePassword: user.mustChangePassword,
    authenticatedBy: kind,
  };
}
