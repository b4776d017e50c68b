import {
  AlertOutlined,
  ApartmentOutlined,
  BellOutlined,
  BookOutlined,
  DashboardOutlined,
  DeploymentUnitOutlined,
  InboxOutlined,
  PartitionOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Role } from './auth';

export interface MenuEntry {
  readonly path: string;
  readonly label: string;
  readonly icon: ReactNode;
  /** Who sees it; empty: everyone logged in. */
  readonly roles: readonly Role[];
}

/**
 * The sider's menu; an entry shows when the person holds one of its roles — the roles the api
 * lets read what the page shows (libs/org/src/access.ts): a branch's affairs (instances, tasks,
 * ledger) are read by its secretary and the supervisors above it, not by an administrator or
 * an integrator by those roles (an administrator who also supervises holds both roles).
 */
export const MENU: readonly MenuEntry[] = [
  { path: '/inbox', label: '我的待办', icon: <InboxOutlined />, roles: [] },
  {
    path: '/cockpit',
    label: '督导驾驶舱',
    icon: <DashboardOutlined />,
    roles: ['supervisor'],
  },
  {
    path: '/ledger',
    label: '台账',
    icon: <BookOutlined />,
    roles: ['secretary', 'supervisor'],
  },
  {
    path: '/overdue',
    label: '逾期督办',
    icon: <AlertOutlined />,
    roles: ['secretary', 'supervisor'],
  },
  {
    path: '/instances',
    label: '流程实例',
    icon: <DeploymentUnitOutlined />,
    roles: ['secretary', 'supervisor'],
  },
  {
    path: '/templates',
    label: '流程模板',
    icon: <PartitionOutlined />,
    roles: ['integrator', 'admin'],
  },
  { path: '/org', label: '组织管理', icon: <ApartmentOutlined />, roles: ['admin'] },
  { path: '/notifications', label: '消息通知', icon: <BellOutlined />, roles: [] },
];

/** The menu entry a path belongs to (`/tasks/…` belongs to 我的待办). */
export function selectedMenu(pathname: string): string | undefined {
  if (pathname.startsWith('/tasks/')) return '/inbox';
  return MENU.find((entry) => pathname === entry.path || pathname.startsWith(`${entry.path}/`))
    ?.path;
}
