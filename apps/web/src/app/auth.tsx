import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import { api } from '../api/client';
import { type Me, meQuery } from './me';

export type Role = 'secretary' | 'member' | 'supervisor' | 'integrator' | 'admin';

export const ROLE_NAMES: Record<Role, string> = {
  secretary: '支部书记',
  member: '党员',
  supervisor: '督导',
  integrator: '流程管理员',
  admin: '系统管理员',
};

export interface Auth {
  readonly me: Me;
  readonly roles: ReadonlySet<Role>;
  readonly hasRole: (...roles: Role[]) => boolean;
  /** The unit a person reads in the header: the first grant's, e.g. 「研发中心党支部」. */
  readonly unitName: string | null;
  readonly logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

/** Who am I (`GET /api/auth/me`), as the shell and the pages read it. */
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
