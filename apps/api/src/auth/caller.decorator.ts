import type { Principal } from '@app/org';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { AuthenticatedRequest } from './principal.decorator.js';

/** The authenticated principal with the request it made (what a refusal is audited with). */
export interface Caller {
  readonly principal: Principal;
  readonly method: string;
  readonly url: string;
}

export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal)
      throw new Error('CurrentCaller used on a route the auth guard did not check');
    return { principal: request.principal, method: request.method ?? '?', url: request.url ?? '?' };
  },
);
