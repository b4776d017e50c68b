import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, toApiError } from './errors';
import type { paths } from './schema';

/** The path a person wanted before the log-in page, kept in its `?next=` parameter. */
export function loginUrl(wanted: string): string {
  return wanted && wanted !== '/' && !wanted.startsWith('/login')
    ? `/login?next=${encodeURIComponent(wanted)}`
    : '/login';
}

let serverOffsetMs = 0;

/** The server's clock (from the `Date` header of its last answer): due dates count from it. */
export function serverNow(): number {
  return Date.now() + serverOffsetMs;
}

function noteServerDate(response: Response): void {
  const header = response.headers.get('date');
  const at = header ? Date.parse(header) : NaN;
  if (Number.isFinite(at)) serverOffsetMs = at - Date.now();
}

/**
 * What a refusal for want of a session (401) does: the shell sets it to go to the log-in page
 * through the router. Before the shell is there — the first page's early requests (boot.ts),
 * answered before React has loaded — it does nothing: the shell's who-am-I then finds no session
 * and goes to the log-in page itself, within the page, rather than loading it anew.
 */
let onUnauthorised: () => void = () => undefined;

/** The shell sets what a 401 does (the router's navigation to /login). */
export function setUnauthorisedHandler(handler: () => void): void {
  onUnauthorised = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    // The api's CSRF guard: a write sent with the session cookie needs this header
    request.headers.set('X-Requested-With', 'XMLHttpRequest');
    return request;
  },
  async onResponse({ request, response }) {
    noteServerDate(response);
    if (response.ok) return response;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => undefined);
    const error = toApiError(response.status, body);
    // Log-in's 401 is a wrong password; who-am-I's is "not logged in", which the shell answers
    // with the log-in page itself (it may be asked before the router is there)
    const path = new URL(request.url).pathname;
    const answersItself = path.endsWith('/api/auth/login') || path.endsWith('/api/auth/me');
    if (response.status === 401 && !answersItself) onUnauthorised();
    throw error;
  },
};

/** The typed api client: same-origin cookie, errors thrown as ApiError. */
export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });
api.use(session);

/** Unwraps openapi-fetch's `{ data, error }` (errors are already thrown by the middleware). */
export function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    if (result.response.status === 204) return undefined as T;
    throw toApiError(result.response.status, result.error);
  }
  return result.data;
}

export { ApiError };
