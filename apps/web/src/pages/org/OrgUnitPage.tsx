import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Flex, Tabs, Tag, Typography } from 'antd';
import { useParams, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { ApiError } from '../../api/errors';
import { Forbidden, LoadError, NotFound, PageLoading } from '../../app/results';
import { formatDate } from '../../components/time';
import { ChannelsTab } from './ChannelsTab';
import { ImportTab } from './ImportTab';
import { MembersTab } from './MembersTab';
import { OrgShell, useIsAdminOver } from './OrgShell';
import { UnitActions } from './UnitActions';
import { UsersTab } from './UsersTab';
import { KIND_NAMES, type Unit } from './words';

const TABS = ['members', 'users', 'channels', 'import'] as const;
type TabKey = (typeof TABS)[number];

function ParentName({ parentId }: { parentId: string | null }) {
  const parent = useQuery({
    queryKey: ['org-unit', parentId],
    queryFn: async () =>
      must(await api.GET('/api/org-units/{id}', { params: { path: { id: parentId! } } })),
    enabled: parentId !== null,
    retry: false,
  });
  if (parentId === null) return <>无（最高层级）</>;
  // a parent outside the admin's scope is not named
  return <>{parent.data?.name ?? '—'}</>;
}

function UnitDetail({ unit }: { unit: Unit }) {
  const [params, setParams] = useSearchParams();
  const tab: TabKey = TABS.find((key) => key === params.get('tab')) ?? 'members';
  const admin = useIsAdminOver(unit.path);
  if (!admin) {
    return <Forbidden reason="只有该党组织或其上级党组织的组织管理员可以管理此党组织。" />;
  }
  return (
    <Flex vertical gap={16}>
      <Card>
        <Flex justify="space-between" align="flex-start" wrap gap={12}>
          <div>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {unit.name}{' '}
              <Tag bordered={false} style={{ verticalAlign: 'middle' }}>
                {KIND_NAMES[unit.kind]}
              </Tag>
              {unit.closedAt && <Tag color="default">已撤销</Tag>}
            </Typography.Title>
            <Descriptions
              size="small"
              column={{ xs: 1, sm: 2 }}
              style={{ marginTop: 8 }}
              items={[
                {
                  key: 'parent',
                  label: '上级组织',
                  children: <ParentName parentId={unit.parentId} />,
                },
                { key: 'id', label: '党组织编号', children: unit.id },
                ...(unit.closedAt
                  ? [{ key: 'closed', label: '撤销日期', children: formatDate(unit.closedAt) }]
                  : []),
              ]}
            />
          </div>
          <UnitActions unit={unit} />
        </Flex>
      </Card>
      <Card styles={{ body: { paddingTop: 4 } }}>
        <Tabs
          activeKey={tab}
          onChange={(key) => {
            const next = new URLSearchParams();
            if (key !== 'members') next.set('tab', key);
            setParams(next);
          }}
          items={[
            { key: 'members', label: '党员', children: <MembersTab unit={unit} /> },
            { key: 'users', label: '用户', children: <UsersTab unit={unit} /> },
            { key: 'channels', label: '通知渠道', children: <ChannelsTab unit={unit} /> },
            { key: 'import', label: '导入花名册', children: <ImportTab unit={unit} /> },
          ]}
          destroyOnHidden
        />
      </Card>
    </Flex>
  );
}

/** `/org/units/:id`: one unit of the admin's tree — its members, users, channels and roster. */
export default function OrgUnitPage() {
  const { id = '' } = useParams();
  const unit = useQuery({
    queryKey: ['org-unit', id],
    queryFn: async () => must(await api.GET('/api/org-units/{id}', { params: { path: { id } } })),
    retry: false,
  });
  return (
    <div>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        组织管理
      </Typography.Title>
      <OrgShell selected={id} reveal={unit.data?.path}>
        {unit.isPending ? (
          <PageLoading />
        ) : unit.isError ? (
          unit.error instanceof ApiError && unit.error.status === 400 ? (
            // a malformed id names no unit
            <NotFound />
          ) : (
            <LoadError error={unit.error} onRetry={() => void unit.refetch()} />
          )
        ) : (
          <UnitDetail unit={unit.data} />
        )}
      </OrgShell>
    </div>
  );
}
