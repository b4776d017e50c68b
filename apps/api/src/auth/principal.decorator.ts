import type { Principal } from '@app/org';
import { type ExecutionContext, createParamDecorator } from '@nestjs/common';

/** The request field the auth guard fills. */
export interface AuthenticatedRequest {
  principal?: Principal;
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The authenticated caller (the auth guard has refused every request without one). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal)
      throw new Error('CurrentPrincipal used on a route the auth guard did not check');
    return principal;
  },
);

/** How a principal is named in the audit trail and in `completed_by` / `claimed_by`. */
export function actorOf(principal: Principal): string {
  return principal.userId;
}
