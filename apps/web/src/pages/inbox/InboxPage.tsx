import { useQuery } from '@tanstack/react-query';
import {
  Badge,
  Card,
  Checkbox,
  Empty,
  Flex,
  Grid,
  Pagination,
  Select,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must, serverNow } from '../../api/client';
import type { components } from '../../api/schema';
import { LoadError } from '../../app/results';
import { DueText } from '../../components/DueText';
import { formatDateTime, shanghaiWeek } from '../../components/time';
import { type Light, TrafficLight } from '../../components/TrafficLight';
import { openedTasks } from './opened';
import { pageParam, withChanges } from '../../components/urlParams';

type Task = components['schemas']['TaskDto'];

const LIGHT_OPTIONS = [
  { value: 'red', label: '逾期' },
  { value: 'yellow', label: '临期' },
  { value: 'green', label: '正常' },
];
const SORT_OPTIONS = [
  { value: 'due', label: '截止时间优先' },
  { value: 'created', label: '最新下达优先' },
];
const PAGE_SIZE = 20;
/** A business key holding an id (e.g. a member's) is for machines: not shown. */
const UUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const LIGHTS: readonly Light[] = ['red', 'yellow', 'green'];

/** The filters live in the URL: every view of the inbox has an address, and back works. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const light = LIGHTS.find((known) => known === params.get('light'));
  const filters = {
    templateKey: params.get('template') ?? undefined,
    light: light,
    thisWeek: params.get('week') === '1',
    sort: params.get('sort') === 'created' ? ('created' as const) : ('due' as const),
    page: pageParam(params, 500),
  };
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { filters, set };
}

function useTemplates() {
  return useQuery({
    queryKey: ['templates', 'names'],
    queryFn: async () => must(await api.GET('/api/templates')),
    staleTime: 5 * 60_000,
  });
}

/** Server-side unread notifications that name a step. */
function useUnreadTaskIds() {
  return useQuery({
    queryKey: ['notifications', 'unread-tasks'],
    queryFn: async () => {
      const page = must(
        await api.GET('/api/notifications', { params: { query: { unread: true, pageSize: 100 } } }),
      );
      return new Set(page.items.map((item) => item.taskId).filter((id): id is string => !!id));
    },
  });
}

function TaskCard({ task, unread }: { task: Task; unread: boolean }) {
  const title = task.name ?? '未命名步骤';
  const who =
    task.assigneeName ??
    (task.candidates.length > 0 ? task.candidates.map((c) => c.name).join('、') : null);
  return (
    <Card
      size="small"
      hoverable
      styles={{ body: { padding: 12 } }}
      style={{
        width: '100%',
        borderInlineStart: `4px solid ${LIGHT_BORDER[task.light ?? 'none']}`,
      }}
    >
      <Flex vertical gap={6}>
        <Flex gap={8} align="center" wrap>
          <TrafficLight light={task.light} />
          <Link to={`/tasks/${task.id}`} style={{ fontSize: 16, fontWeight: 600 }}>
            {title}
          </Link>
          {unread && <Badge count="未读" color="#c00000" />}
        </Flex>
        <Typography.Text type="secondary">
          {task.templateName ?? '流程'}
          {task.orgUnitName ? ` · ${task.orgUnitName}` : ''}
        </Typography.Text>
        {task.businessKey && !UUID_IN.test(task.businessKey) && (
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            业务编号：{task.businessKey}
          </Typography.Text>
        )}
        <Flex gap={12} wrap align="center">
          <DueText dueAt={task.dueAt} overdue={task.overdue} />
          {task.dueAt && (
            <Typography.Text type="secondary" style={{ fontSize: 13 }}>
              截止 {formatDateTime(task.dueAt)}
            </Typography.Text>
          )}
          {task.claimedByName && <Tag>已由 {task.claimedByName} 认领</Tag>}
          {!task.claimedByName && who && (
            <Typography.Text type="secondary" style={{ fontSize: 13 }}>
              办理人：{who}
            </Typography.Text>
          )}
        </Flex>
      </Flex>
    </Card>
  );
}

const LIGHT_BORDER: Record<Light | 'none', string> = {
  red: '#cf1322',
  yellow: '#d48806',
  green: '#389e0d',
  none: '#d9d9d9',
};

/** `/inbox` 我的待办: the open steps of my units and those offered to me. */
export default function InboxPage() {
  const { filters, set } = useFilters();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const templates = useTemplates();
  const unreadTasks = useUnreadTaskIds();
  const dueBefore = useMemo(
    () => (filters.thisWeek ? new Date(shanghaiWeek(serverNow()).end).toISOString() : undefined),
    [filters.thisWeek],
  );
  const tasks = useQuery({
    queryKey: ['tasks', 'inbox', filters, dueBefore],
    queryFn: async () =>
      must(
        await api.GET('/api/tasks', {
          params: {
            query: {
              state: 'open',
              templateKey: filters.templateKey,
              light: filters.light,
              dueBefore,
              sort: filters.sort,
              page: filters.page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  const opened = useMemo(() => openedTasks(), []);

  const filterBar = (
    <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
      <Select
        aria-label="流程模板"
        placeholder="全部流程"
        allowClear
        showSearch={{ optionFilterProp: 'label' }}
        style={{ width: narrow ? '100%' : 260 }}
        value={filters.templateKey}
        loading={templates.isPending}
        options={(templates.data?.items ?? []).map((t) => ({
          value: t.key,
          label: t.name ?? t.key,
        }))}
        onChange={(value?: string) => set({ template: value })}
      />
      <Select
        aria-label="亮灯"
        placeholder="全部亮灯"
        allowClear
        style={{ width: narrow ? 'calc(50% - 4px)' : 140 }}
        value={filters.light}
        options={LIGHT_OPTIONS}
        onChange={(value?: string) => set({ light: value })}
      />
      <Select
        aria-label="排序"
        style={{ width: narrow ? 'calc(50% - 4px)' : 160 }}
        value={filters.sort}
        options={SORT_OPTIONS}
        onChange={(value: string) => set({ sort: value === 'due' ? undefined : value })}
      />
      <Checkbox
        checked={filters.thisWeek}
        onChange={(event) => set({ week: event.target.checked ? '1' : undefined })}
      >
        本周到期
      </Checkbox>
    </Flex>
  );

  return (
    <div style={{ maxWidth: 960 }}>
      <Space align="baseline" style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          我的待办
        </Typography.Title>
        {tasks.data && <Typography.Text type="secondary">共 {tasks.data.total} 项</Typography.Text>}
      </Space>
      {filterBar}
      {tasks.isError ? (
        <LoadError error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : (
        <Spin spinning={tasks.isFetching && !tasks.isPending} description="加载中…">
          {tasks.isPending ? (
            <Card loading />
          ) : (tasks.data?.items.length ?? 0) === 0 ? (
            <Empty description="暂无待办，工作都办完了" style={{ padding: 32 }} />
          ) : (
            <Flex vertical gap={10} role="list" aria-label="待办列表">
              {tasks.data?.items.map((task) => (
                <div role="listitem" key={task.id}>
                  <TaskCard
                    task={task}
                    unread={unreadTasks.data?.has(task.id) === true || !opened.has(task.id)}
                  />
                </div>
              ))}
            </Flex>
          )}
          {(tasks.data?.total ?? 0) > PAGE_SIZE && (
            <Pagination
              style={{ marginTop: 16 }}
              current={filters.page}
              pageSize={PAGE_SIZE}
              total={tasks.data?.total ?? 0}
              showSizeChanger={false}
              simple={narrow}
              onChange={(page) => set({ page: page === 1 ? undefined : String(page) })}
            />
          )}
        </Spin>
      )}
    </div>
  );
}
