import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import { api, must } from '../api/client';
import type { components } from '../api/schema';

export type Me = components['schemas']['MeDto'];
export type Role = 'secretary' | 'member' | 'supervisor' | 'integrator' | 'admin';

export const ROLE_NAMES: Record<Role, string> = {
  secretary: '支部书记',
  member: '党员',
  supervisor: '督导',
  integrator: '流程管理员',
  admin: '系统管理员',
};

export const ME_KEY = ['auth', 'me'] as const;

export interface Auth {
  readonly me: Me;
  readonly roles: ReadonlySet<Role>;
  readonly hasRole: (...roles: Role[]) => boolean;
  /** The unit a person reads in the header: the first grant's, e.g. 「研发中心党支部」. */
  readonly unitName: string | null;
  readonly logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

/** Who am I (`GET /api/auth/me`); null when not logged in. */
/** Who am I: asked by the shell, and at start-up before the first render (App.tsx). */
export const meQuery = {
  queryKey: ME_KEY,
  queryFn: async () => must(await api.GET('/api/auth/me')),
  staleTime: 60_000,
  retry: false,
} as const;

export function useMe() {
  return useQuery(meQuery);
}

export function AuthProvider({ me, children }: { me: Me; children: ReactNode }) {
  const queryClient = useQueryClient();
  const logout = useCallback(async () => {
    try {
      await api.POST('/api/auth/logout');
    } finally {
      queryClient.clear();
      window.location.assign('/login');
    }
  }, [queryClient]);
  const value = useMemo<Auth>(() => {
    const roles = new Set(me.grants.map((grant) => grant.role as Role));
    return {
      me,
      roles,
      hasRole: (...wanted) => wanted.some((role) => roles.has(role)),
      unitName: me.grants[0]?.orgUnitName ?? null,
      logout,
    };
  }, [me, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** Where a person lands after log-in: the page of their main role. */
export function homeOf(me: Me): string {
  const roles = new Set(me.grants.map((grant) => grant.role));
  if (roles.has('secretary') || roles.has('member')) return '/inbox';
  if (roles.has('supervisor')) return '/cockpit';
  if (roles.has('integrator')) return '/templates';
  if (roles.has('admin')) return '/org';
  return '/inbox';
}
