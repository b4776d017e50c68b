import { useQuery } from '@tanstack/react-query';
import {
  Button,
  Card,
  DatePicker,
  Empty,
  Form,
  Grid,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { UnitSelect } from '../../components/UnitSelect';
import type { components } from '../../api/schema';
import { LoadError } from '../../app/results';
import { formatDateTime } from '../../components/time';
import { STATE_OPTIONS, stateWords, UUID_IN } from './words';
import { pageParam, withChanges } from '../../components/urlParams';

dayjs.locale('zh-cn');

type Row = components['schemas']['InstanceListItemDto'];

const PAGE_SIZE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters live in the URL: every search has an address, and back works. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const state = STATE_OPTIONS.find((o) => o.value === params.get('state'))?.value;
  const day = (name: string) => {
    const value = params.get(name);
    return value && DAY.test(value) ? value : undefined;
  };
  const filters = {
    templateKey: params.get('template') || undefined,
    orgUnitId: params.get('unit') || undefined,
    businessKey: params.get('key') || undefined,
    state: state,
    from: day('from'),
    to: day('to'),
    page: pageParam(params, 10_000),
  };
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { filters, set };
}

/** Midnight in Asia/Shanghai of a `YYYY-MM-DD` day, `days` later, as an ISO instant. */
function shanghaiMidnight(day: string, days = 0): string {
  return new Date(Date.parse(`${day}T00:00:00+08:00`) + days * 86_400_000).toISOString();
}

/** `/instances` 流程实例: search the instances of my units, a page at a time. */
export default function InstancesPage() {
  const { filters, set } = useFilters();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const [keyText, setKeyText] = useState(filters.businessKey ?? '');
  useEffect(() => setKeyText(filters.businessKey ?? ''), [filters.businessKey]);

  const templates = useQuery({
    queryKey: ['templates', 'names'],
    queryFn: async () => must(await api.GET('/api/templates')),
    staleTime: 5 * 60_000,
  });
  const instances = useQuery({
    queryKey: ['instances', 'list', filters],
    queryFn: async () =>
      must(
        await api.GET('/api/instances', {
          params: {
            query: {
              templateKey: filters.templateKey,
              orgUnitId: filters.orgUnitId,
              includeSubUnits: filters.orgUnitId ? true : undefined,
              businessKey: filters.businessKey,
              state: filters.state,
              startedFrom: filters.from ? shanghaiMidnight(filters.from) : undefined,
              startedBefore: filters.to ? shanghaiMidnight(filters.to, 1) : undefined,
              page: filters.page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });

  const range: [Dayjs, Dayjs] | null =
    filters.from && filters.to ? [dayjs(filters.from), dayjs(filters.to)] : null;
  const anyFilter =
    !!filters.templateKey ||
    !!filters.orgUnitId ||
    !!filters.businessKey ||
    !!filters.state ||
    !!filters.from;

  const columns: ColumnsType<Row> = [
    {
      key: 'template',
      title: '流程',
      render: (_, row) => (
        <Link to={`/instances/${row.id}`} onClick={(event) => event.stopPropagation()}>
          {row.templateName ?? '未命名流程'}
        </Link>
      ),
    },
    {
      key: 'version',
      title: '版本',
      width: 64,
      render: (_, row) => `v${row.version}`,
    },
    { key: 'unit', title: '党组织', render: (_, row) => row.orgUnitName ?? '—' },
    {
      key: 'key',
      title: '业务编号',
      render: (_, row) =>
        row.businessKey && !UUID_IN.test(row.businessKey) ? row.businessKey : '—',
    },
    {
      key: 'state',
      title: '状态',
      width: 96,
      render: (_, row) => {
        const words = stateWords(row.state);
        return <Tag color={words.color}>{words.label}</Tag>;
      },
    },
    {
      key: 'open',
      title: '当前步骤',
      render: (_, row) =>
        row.openTaskNames.length === 0 ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : (
          row.openTaskNames.join('、')
        ),
    },
    {
      key: 'started',
      title: '发起时间',
      width: 150,
      render: (_, row) => formatDateTime(row.createdAt),
    },
    {
      key: 'ended',
      title: '结束时间',
      width: 150,
      render: (_, row) => formatDateTime(row.endedAt),
    },
  ];

  const form = (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Form layout={narrow ? 'vertical' : 'inline'} style={{ rowGap: 8 }} role="search">
        <Form.Item label="流程模板" htmlFor="instances-template">
          <Select
            id="instances-template"
            placeholder="全部流程"
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: narrow ? '100%' : 200 }}
            value={filters.templateKey}
            loading={templates.isPending}
            options={(templates.data?.items ?? []).map((t) => ({
              value: t.key,
              label: t.name ?? t.key,
            }))}
            onChange={(value?: string) => set({ template: value })}
          />
        </Form.Item>
        <Form.Item label="党组织" htmlFor="instances-unit">
          <UnitSelect
            id="instances-unit"
            placeholder="全部党组织"
            allowClear
            style={{ width: narrow ? '100%' : 200 }}
            value={filters.orgUnitId}
            onChange={(value) => set({ unit: value })}
          />
        </Form.Item>
        <Form.Item label="业务编号" htmlFor="instances-key">
          <Input.Search
            id="instances-key"
            placeholder="完整的业务编号"
            allowClear
            style={{ width: narrow ? '100%' : 220 }}
            value={keyText}
            onChange={(event) => setKeyText(event.target.value)}
            onSearch={(value) => set({ key: value.trim() || undefined })}
            enterButton="查找"
          />
        </Form.Item>
        <Form.Item label="状态" htmlFor="instances-state">
          <Select
            id="instances-state"
            placeholder="全部状态"
            allowClear
            style={{ width: narrow ? '100%' : 120 }}
            value={filters.state}
            options={STATE_OPTIONS}
            onChange={(value?: string) => set({ state: value })}
          />
        </Form.Item>
        <Form.Item label="发起日期" htmlFor="instances-from">
          <DatePicker.RangePicker
            id={{ start: 'instances-from', end: 'instances-to' }}
            style={{ width: narrow ? '100%' : 260 }}
            value={range}
            placeholder={['开始日期', '结束日期']}
            onChange={(dates) =>
              set({
                from: dates?.[0]?.format('YYYY-MM-DD'),
                to: dates?.[1]?.format('YYYY-MM-DD'),
              })
            }
          />
        </Form.Item>
        {anyFilter && (
          <Form.Item>
            <Button
              onClick={() =>
                set({
                  template: undefined,
                  unit: undefined,
                  key: undefined,
                  state: undefined,
                  from: undefined,
                  to: undefined,
                })
              }
            >
              清空条件
            </Button>
          </Form.Item>
        )}
      </Form>
    </Card>
  );

  return (
    <div>
      <Space align="baseline" style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          流程实例
        </Typography.Title>
        {instances.data && (
          <Typography.Text type="secondary">共 {instances.data.total} 个</Typography.Text>
        )}
      </Space>
      {form}
      {instances.isError ? (
        <LoadError error={instances.error} onRetry={() => void instances.refetch()} />
      ) : (
        <Table<Row>
          rowKey="id"
          size="middle"
          aria-label="流程实例列表"
          columns={columns}
          dataSource={instances.data?.items ?? []}
          loading={instances.isFetching ? { description: '加载中…' } : false}
          scroll={{ x: 1000 }}
          locale={{
            emptyText: (
              <Empty
                description={
                  instances.isPending
                    ? '加载中…'
                    : anyFilter
                      ? '没有符合条件的流程实例'
                      : '暂无流程实例'
                }
              />
            ),
          }}
          onRow={(row) => ({
            onClick: () => void navigate(`/instances/${row.id}`),
            style: { cursor: 'pointer' },
          })}
          pagination={{
            current: filters.page,
            pageSize: PAGE_SIZE,
            total: instances.data?.total ?? 0,
            showSizeChanger: false,
            hideOnSinglePage: true,
            simple: narrow,
            showTotal: (total) => `共 ${total} 个`,
            onChange: (page) => set({ page: page === 1 ? undefined : String(page) }),
          }}
        />
      )}
    </div>
  );
}
