import { OrgDirectory, type Role } from '@app/org';
import { systemClock } from '@app/store';
import type { DataSource } from 'typeorm';

/**
 * A committee of its own and a user holding `roles` on it; answers the unit id and the
 * user's bearer token (for suites that drive the real api process over HTTP).
 */
export async function committeeUser(
  dataSource: DataSource,
  tag: string,
  roles: readonly Role[],
): Promise<{ orgUnitId: string; token: string; userId: string }> {
  const org = new OrgDirectory(dataSource, systemClock);
  const orgUnitId = `c-${tag}-${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  await org.createUnit({ id: orgUnitId, parentId: null, kind: 'committee', name: '党委' });
  const { token, userId } = await org.createUser({
    name: `${roles.join('+')}-${tag}`,
    grants: roles.map((role) => ({ role, orgUnitId })),
  });
  return { orgUnitId, token, userId };
}
