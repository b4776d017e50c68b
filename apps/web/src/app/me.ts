import { api, must } from '../api/client';
import type { components } from '../api/schema';

/** Who am I, without React: boot.ts asks it before React has loaded. */

export type Me = components['schemas']['MeDto'];

export const ME_KEY = ['auth', 'me'] as const;

/** Who am I (`GET /api/auth/me`): asked by the shell, and at start-up (boot.ts, App.tsx). */
export const meQuery = {
  queryKey: ME_KEY,
  queryFn: async () => must(await api.GET('/api/auth/me')),
  staleTime: 60_000,
  retry: false,
} as const;

/** Where a person lands after log-in: the page of their main role. */
export function homeOf(me: Me): string {
  const roles = new Set(me.grants.map((grant) => grant.role));
  if (roles.has('secretary') || roles.has('member')) return '/inbox';
  if (roles.has('supervisor')) return '/cockpit';
  if (roles.has('integrator')) return '/templates';
  if (roles.has('admin')) return '/org';
  return '/inbox';
}
