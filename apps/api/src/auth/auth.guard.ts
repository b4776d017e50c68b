import { OrgDirectory, type Principal } from '@app/org';
import { CLOCK } from '@app/runtime';
import type { Clock } from '@app/store';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessService } from './access.service.js';
import type { AuthenticatedRequest } from './principal.decorator.js';
import { IS_PUBLIC } from './public.decorator.js';

/** How long a token's principal is reused before it is read again (revocation delay). */
const PRINCIPAL_TTL_MS = 5_000;

/**
 * Every route needs `Authorization: Bearer <token>` unless marked @Public(). The token is
 * looked up by its sha256; the principal (user + role grants) is kept for a few seconds so a
 * busy client costs one lookup per TTL, not one per request. Refusals are audited.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly org: OrgDirectory,
    private readonly access: AccessService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
    if (!match) {
      return this.access.unauthenticated(
        request,
        value === undefined
          ? 'authentication required: send Authorization: Bearer <token>'
          : 'the Authorization header must be "Bearer <token>"',
      );
    }
    const principal = await this.principal(match[1]);
    if (!principal) {
      return this.access.unauthenticated(
        request,
        'the bearer token is unknown, revoked or expired',
      );
    }
    request.principal = principal;
    return true;
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
