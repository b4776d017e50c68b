import { BellOutlined, LogoutOutlined, MenuOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Drawer, Grid, Layout, Menu, Space, Typography } from 'antd';
import { type ReactNode, Suspense, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api, must } from '../api/client';
import { useAuth } from './auth';
import { APP_TITLE } from './brand';
import { ErrorBoundary } from './ErrorBoundary';
import { MENU, selectedMenu } from './menu';
import { PageLoading } from './results';

export const UNREAD_KEY = ['notifications', 'unread'] as const;

/** The unread count of my in-app inbox, for the bell (refreshed every minute). */
export function useUnreadCount() {
  return useQuery({
    queryKey: UNREAD_KEY,
    queryFn: async () =>
      must(
        await api.GET('/api/notifications', { params: { query: { unread: true, pageSize: 1 } } }),
      ).unread,
    refetchInterval: 60_000,
  });
}

function SideMenu({ onNavigate }: { onNavigate?: () => void }) {
  const { hasRole } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const selected = selectedMenu(location.pathname);
  const items = MENU.filter((entry) => entry.roles.length === 0 || hasRole(...entry.roles)).map(
    (entry) => ({ key: entry.path, icon: entry.icon, label: entry.label }),
  );
  return (
    <Menu
      mode="inline"
      aria-label="主菜单"
      selectedKeys={selected ? [selected] : []}
      items={items}
      onClick={({ key }) => {
        void navigate(key);
        onNavigate?.();
      }}
      style={{ borderInlineEnd: 'none' }}
    />
  );
}

/**
 * The shell: the sider menu by role (a drawer below 768 px), the header with the person's
 * name and unit, the bell with the unread count and 退出登录; the page below.
 */
export function AppLayout({ children }: { children?: ReactNode }) {
  const { me, unitName, logout } = useAuth();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const unread = useUnreadCount();
  const location = useLocation();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {!narrow && (
        <Layout.Sider
          theme="light"
          width={200}
          breakpoint="md"
          style={{ borderInlineEnd: '1px solid #f0f0f0' }}
        >
          <div style={{ padding: '16px 20px', fontWeight: 600, color: '#c00000', fontSize: 16 }}>
            {APP_TITLE}
          </div>
          <SideMenu />
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            padding: narrow ? '0 8px' : '0 24px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            gap: 8,
            borderBottom: '1px solid #f0f0f0',
            height: 56,
            lineHeight: '56px',
          }}
        >
          <Space size={4} style={{ minWidth: 0 }}>
            {narrow && (
              <Button
                type="text"
                icon={<MenuOutlined />}
                aria-label="打开菜单"
                onClick={() => setDrawerOpen(true)}
              />
            )}
            {narrow && (
              <Typography.Text strong style={{ color: '#c00000' }}>
                {APP_TITLE}
              </Typography.Text>
            )}
          </Space>
          <Space size={narrow ? 10 : 16} align="center" style={{ minWidth: 0 }}>
            <span
              style={{
                display: 'inline-block',
                maxWidth: narrow ? 110 : 360,
                overflow: 'hidden',
                textOverflow: 'ellipsis',
                whiteSpace: 'nowrap',
                lineHeight: '22px',
                verticalAlign: 'middle',
              }}
              title={unitName ? `${me.name}（${unitName}）` : me.name}
            >
              {me.name}
              {unitName && !narrow ? (
                <Typography.Text type="secondary">（{unitName}）</Typography.Text>
              ) : null}
            </span>
            <Link to="/notifications" aria-label={`消息通知，${unread.data ?? 0} 条未读`}>
              <Badge count={unread.data ?? 0} size="small" overflowCount={99}>
                <BellOutlined style={{ fontSize: 18, color: '#555' }} />
              </Badge>
            </Link>
            <Button
              type="text"
              icon={<LogoutOutlined />}
              onClick={() => void logout()}
              aria-label="退出登录"
            >
              {narrow ? null : '退出登录'}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: narrow ? 8 : 24, minWidth: 0 }}>
          <ErrorBoundary resetKey={location.pathname}>
            <Suspense fallback={<PageLoading />}>{children ?? <Outlet />}</Suspense>
          </ErrorBoundary>
        </Layout.Content>
      </Layout>
      {narrow && (
        <Drawer
          placement="left"
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          title={APP_TITLE}
          size={240}
          styles={{ body: { padding: 0 } }}
        >
          <SideMenu onNavigate={() => setDrawerOpen(false)} />
        </Drawer>
      )}
    </Layout>
  );
}
