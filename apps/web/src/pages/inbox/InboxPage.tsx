import { useQuery } from '@tanstack/react-query';
import {
  Badge,
  Checkbox,
  Empty,
  Flex,
  Grid,
  Select,
  Skeleton,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { components } from '../../api/schema';
import { LoadError } from '../../app/results';
import { DueText } from '../../components/DueText';
import { Pager } from '../../components/Pager';
import { formatDateTime } from '../../components/time';
import { type Light, TrafficLight } from '../../components/TrafficLight';
import { openedTasks } from './opened';
import { PAGE_SIZE, filtersOf, tasksQuery, templatesQuery, unreadTaskIdsQuery } from './queries';
import { withChanges } from '../../components/urlParams';

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
/** A business key holding an id (e.g. a member's) is for machines: not shown. */
const UUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The filters live in the URL: every view of the inbox has an address, and back works. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { filters, set };
}

function TaskCard({ task, unread }: { task: Task; unread: boolean }) {
  const title = task.name ?? '未命名步骤';
  const who =
    task.assigneeName ??
    (task.candidates.length > 0 ? task.candidates.map((c) => c.name).join('、') : null);
  return (
    <div
      className="bf-task-card"
      style={{ borderInlineStartColor: LIGHT_BORDER[task.light ?? 'none'] }}
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
    </div>
  );
}

/** A step's card: plain CSS (an antd Card brings its Tabs along, 15 KB on the first page). */
const TASK_CARD_CSS = `
.bf-task-card { width: 100%; box-sizing: border-box; padding: 12px; background: #fff;
  border: 1px solid #f0f0f0; border-inline-start: 4px solid; border-radius: 6px;
  transition: box-shadow 0.2s; }
.bf-task-card:hover, .bf-task-card:focus-within {
  box-shadow: 0 1px 2px -2px rgba(0,0,0,.16), 0 3px 6px 0 rgba(0,0,0,.12), 0 5px 12px 4px rgba(0,0,0,.09); }
`;

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
  const templates = useQuery(templatesQuery);
  const unreadTasks = useQuery(unreadTaskIdsQuery);
  const tasks = useQuery({
    ...tasksQuery(filters),
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
      <style>{TASK_CARD_CSS}</style>
      <Space align="baseline" style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          我的待办
        </Typography.Title>
        {tasks.data && (
          <Typography.Text type="secondary">
            共 {tasks.data.total}
            {tasks.data.totalIsApproximate ? ' 余' : ' '}项
          </Typography.Text>
        )}
      </Space>
      {filterBar}
      {tasks.isError ? (
        <LoadError error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : (
        <Spin spinning={tasks.isFetching && !tasks.isPending} description="加载中…">
          {tasks.isPending ? (
            <Skeleton active paragraph={{ rows: 3 }} />
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
          <Pager
            page={filters.page}
            pageSize={PAGE_SIZE}
            total={tasks.data?.total ?? 0}
            atLeast={tasks.data?.totalIsApproximate}
            onChange={(page) => set({ page: page === 1 ? undefined : String(page) })}
          />
        </Spin>
      )}
    </div>
  );
}
