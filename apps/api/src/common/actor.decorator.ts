import { type ExecutionContext, createParamDecorator } from '@nestjs/common';

/** The header that names who acts, until the auth guard arrives. */
export const ACTOR_HEADER = 'x-actor';

/** Who is acting: the `X-Actor` header, else `api` (recorded in the audit trail). */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request = context
    .switchToHttp()
    .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
  const value = request.headers[ACTOR_HEADER];
  const actor = (Array.isArray(value) ? value[0] : value)?.trim();
  return actor ? actor.slice(0, 200) : 'api';
});
