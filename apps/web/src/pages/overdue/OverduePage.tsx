import { useQuery } from '@tanstack/react-query';
import {
  Card,
  Empty,
  Flex,
  Grid,
  Space,
  Spin,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { Link, useSearchParams } from 'react-router';
import { api, must, serverNow } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { LoadError, NotFound } from '../../app/results';
import { dueWords } from '../../components/due';
import { formatDateTime } from '../../components/time';
import { type Light, TrafficLight } from '../../components/TrafficLight';
import { pageParam, withChanges } from '../../components/urlParams';
import { Pager } from '../../components/Pager';

type Item = components['schemas']['OverdueItemDto'];

const PAGE_SIZE = 20;

const STATE_WORDS: Record<Item['state'], string> = {
  open: '待办理',
  in_progress: '办理中',
  submitted: '已提交待销号',
  closed: '已销号',
  cancelled: '已取消',
};

const LIST_WORDS: Record<Item['list'], string> = {
  problem: '问题清单',
  task: '任务清单',
  responsibility: '责任清单',
};

const LIGHT_BORDER: Record<Light | 'none', string> = {
  red: '#cf1322',
  yellow: '#d48806',
  green: '#389e0d',
  none: '#d9d9d9',
};

/** The filters live in the URL: the unit (from the cockpit) and the page. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const filters = {
    orgUnitId: params.get('orgUnitId') ?? undefined,
    page: pageParam(params, 100_000),
  };
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { filters, set };
}

/** 「已逾期 3 天」, or how it stands when it is on the board for its 督办 only. */
function Lateness({ item }: { item: Item }) {
  const words = dueWords(item.dueAt ? String(item.dueAt) : null, serverNow(), item.overdue);
  return (
    <Typography.Text type={item.overdue ? 'danger' : undefined} strong={item.overdue}>
      {words}
    </Typography.Text>
  );
}

function ItemTitle({ item }: { item: Item }) {
  return (
    <Flex vertical gap={2}>
      <Link to={`/ledger/items/${item.id}`} style={{ fontWeight: 600 }}>
        {item.title}
      </Link>
      <Typography.Text type="secondary" style={{ fontSize: 13 }}>
        {item.templateName
          ? `流程：${item.templateName}${item.stepName ? ` · 步骤：${item.stepName}` : ''}`
          : LIST_WORDS[item.list]}
      </Typography.Text>
      {item.taskId && (
        <Link to={`/tasks/${item.taskId}`} style={{ fontSize: 13 }}>
          查看办理步骤
        </Link>
      )}
    </Flex>
  );
}

function ItemCard({ item }: { item: Item }) {
  return (
    <Card
      size="small"
      styles={{ body: { padding: 12 } }}
      style={{
        width: '100%',
        borderInlineStart: `4px solid ${LIGHT_BORDER[item.light ?? 'none']}`,
      }}
    >
      <Flex vertical gap={6}>
        <Flex gap={8} align="center" wrap>
          <TrafficLight light={item.light} />
          {item.escalations > 0 && <Tag color="volcano">督办 {item.escalations} 次</Tag>}
          <Tag>{STATE_WORDS[item.state]}</Tag>
        </Flex>
        <ItemTitle item={item} />
        <Typography.Text style={{ overflowWrap: 'anywhere' }}>
          责任单位：{item.orgUnitName ?? '—'}
        </Typography.Text>
        <Typography.Text style={{ overflowWrap: 'anywhere' }}>
          责任人：{item.responsibleName ?? '—'}
        </Typography.Text>
        <Flex gap={12} wrap align="center">
          <Lateness item={item} />
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            截止 {formatDateTime(item.dueAt)}
          </Typography.Text>
        </Flex>
      </Flex>
    </Card>
  );
}

const COLUMNS: TableColumnsType<Item> = [
  {
    title: '亮灯',
    dataIndex: 'light',
    width: 80,
    render: (light: Item['light']) => <TrafficLight light={light} />,
  },
  { title: '事项', key: 'title', render: (_: unknown, item) => <ItemTitle item={item} /> },
  {
    title: '责任单位',
    dataIndex: 'orgUnitName',
    width: 160,
    render: (name: string | null) => name ?? '—',
  },
  {
    title: '责任人',
    dataIndex: 'responsibleName',
    width: 160,
    render: (name: string | null) => name ?? '—',
  },
  {
    title: '截止时间',
    dataIndex: 'dueAt',
    width: 150,
    render: (dueAt: string | null) => formatDateTime(dueAt),
  },
  {
    title: '逾期天数',
    key: 'late',
    width: 150,
    render: (_: unknown, item) => <Lateness item={item} />,
  },
  {
    title: '督办次数',
    dataIndex: 'escalations',
    width: 90,
    align: 'right',
    render: (count: number) =>
      count > 0 ? <Typography.Text type="danger">{count} 次</Typography.Text> : '0 次',
  },
  {
    title: '状态',
    dataIndex: 'state',
    width: 110,
    render: (state: Item['state']) => STATE_WORDS[state],
  },
];

/** `/overdue` 逾期督办: what is overdue or escalated in my subtree, red first. */
export default function OverduePage() {
  const { filters, set } = useFilters();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const board = useQuery({
    queryKey: ['ledger', 'overdue', filters],
    queryFn: async () =>
      must(
        await api.GET('/api/ledger/overdue', {
          params: {
            query: { orgUnitId: filters.orgUnitId, page: filters.page, pageSize: PAGE_SIZE },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  // The unit filter by name (the cockpit links here with a unit's id)
  const unit = useQuery({
    queryKey: ['org-units', filters.orgUnitId],
    queryFn: async () =>
      must(
        await api.GET('/api/org-units/{id}', {
          params: { path: { id: filters.orgUnitId ?? '' } },
        }),
      ).name,
    enabled: filters.orgUnitId !== undefined,
    staleTime: 5 * 60_000,
    retry: false,
  });

  const unknownUnit =
    board.error instanceof ApiError &&
    board.error.status === 400 &&
    board.error.fields.some((field) => field.field === 'orgUnitId');
  if (unknownUnit) return <NotFound />;

  const items = board.data?.items ?? [];
  return (
    <div style={{ maxWidth: 1280 }}>
      <Space align="baseline" wrap style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          逾期督办
        </Typography.Title>
        {board.data && (
          <Typography.Text type="secondary">
            共 {board.data.total}
            {board.data.totalIsApproximate ? ' 余' : ' '}项
          </Typography.Text>
        )}
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        已逾期未完成或被督办过、尚未销号的事项：逾期的排在前面，其次按督办次数。
      </Typography.Paragraph>
      {filters.orgUnitId && (
        <Flex gap={8} align="center" wrap style={{ marginBottom: 12 }}>
          <Typography.Text>范围：</Typography.Text>
          <Tag
            closable
            closeIcon={<span aria-label="清除范围">×</span>}
            onClose={(event) => {
              event.preventDefault();
              set({ orgUnitId: undefined });
            }}
          >
            {unit.data ?? '…'}
          </Tag>
        </Flex>
      )}
      {board.isError ? (
        <LoadError error={board.error} onRetry={() => void board.refetch()} />
      ) : (
        <Spin spinning={board.isFetching && !board.isPending} description="加载中…">
          {board.isPending ? (
            <Card loading />
          ) : items.length === 0 ? (
            <Empty description="没有逾期或被督办的事项" style={{ padding: 32 }} />
          ) : narrow ? (
            <Flex vertical gap={10} role="list" aria-label="逾期督办事项">
              {items.map((item) => (
                <div role="listitem" key={item.id}>
                  <ItemCard item={item} />
                </div>
              ))}
            </Flex>
          ) : (
            <Table<Item>
              rowKey="id"
              aria-label="逾期督办事项"
              columns={COLUMNS}
              dataSource={items}
              pagination={false}
              size="middle"
            />
          )}
          <Pager
            page={filters.page}
            pageSize={PAGE_SIZE}
            total={board.data?.total ?? 0}
            atLeast={board.data?.totalIsApproximate}
            unit="项"
            onChange={(page) => set({ page: page === 1 ? undefined : String(page) })}
          />
        </Spin>
      )}
    </div>
  );
}
