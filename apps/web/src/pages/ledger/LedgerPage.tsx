import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Checkbox,
  Flex,
  Grid,
  Input,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tabs,
  Tag,
  Typography,
  message as antMessage,
} from 'antd';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import { useAuth } from '../../app/auth';
import { LoadError } from '../../app/results';
import { DueText } from '../../components/DueText';
import { formatDate, formatDateTime } from '../../components/time';
import { type Light, TrafficLight } from '../../components/TrafficLight';
import { CreateItemModal } from './CreateItemModal';
import { UnitSelect } from '../../components/UnitSelect';
import {
  LIST_WORDS,
  LISTS,
  LIVE,
  type LedgerItem,
  type LedgerList,
  type LedgerState,
  STATE_COLORS,
  STATE_WORDS,
  STATES,
} from './words';
import { pageParam, withChanges } from '../../components/urlParams';

const PAGE_SIZE = 20;
const LIGHTS: readonly Light[] = ['red', 'yellow', 'green'];
const LIGHT_OPTIONS = [
  { value: 'red', label: '逾期（红灯）' },
  { value: 'yellow', label: '临期（黄灯）' },
  { value: 'green', label: '正常（绿灯）' },
];
const SORTS = ['due', '-due', 'created', '-created', 'escalations'] as const;
type Sort = (typeof SORTS)[number];
const SORT_OPTIONS: { value: Sort; label: string }[] = [
  { value: 'due', label: '完成时间由近到远' },
  { value: '-due', label: '完成时间由远到近' },
  { value: '-created', label: '最新挂账优先' },
  { value: 'escalations', label: '督办次数多优先' },
];
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The filters live in the URL: every view of the ledger has an address, and back works. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const pick = <T extends string>(key: string, known: readonly T[]) =>
    known.find((value) => value === params.get(key));
  const month = params.get('month') ?? '';
  const filters = {
    list: pick<LedgerList>('list', LISTS),
    q: params.get('q') ?? '',
    state: pick<LedgerState>('state', STATES),
    unit: params.get('unit') ?? undefined,
    month: MONTH.test(month) ? month : undefined,
    light: pick<Light>('light', LIGHTS),
    overdue: params.get('overdue') === '1',
    escalated: params.get('escalated') === '1',
    sort: pick<Sort>('sort', SORTS) ?? 'due',
    page: pageParam(params, 10_000),
  };
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { filters, set };
}

type Filters = ReturnType<typeof useFilters>['filters'];

/** The last day of a `YYYY-MM` month. */
function monthEnd(month: string): string {
  const [year, m] = month.split('-').map(Number);
  const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${month}-${String(days).padStart(2, '0')}`;
}

/** The api's query for these filters (the list's and the exports' alike). */
function apiQuery(filters: Filters) {
  return {
    list: filters.list,
    q: filters.q.trim() || undefined,
    state: filters.state,
    orgUnitId: filters.unit,
    light: filters.light,
    overdue: filters.overdue || undefined,
    escalated: filters.escalated || undefined,
    dueFrom: filters.month ? `${filters.month}-01` : undefined,
    dueTo: filters.month ? monthEnd(filters.month) : undefined,
    sort: filters.sort,
  };
}

function exportHref(kind: 'xlsx' | 'csv', filters: Filters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(apiQuery(filters))) {
    if (value !== undefined) query.set(key, String(value));
  }
  const text = query.toString();
  return `/api/ledger/export.${kind}${text ? `?${text}` : ''}`;
}

/** `/ledger` 台账: the three lists, searched and filtered, 批量销号, 新增事项 and the exports. */
export default function LedgerPage() {
  const { filters, set } = useFilters();
  const { hasRole } = useAuth();
  const supervisor = hasRole('supervisor');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const [selected, setSelected] = useState<LedgerItem[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [verifyNote, setVerifyNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState(filters.q);

  const query = useMemo(() => apiQuery(filters), [filters]);
  const items = useQuery({
    queryKey: ['ledger', 'list', query, filters.page],
    queryFn: async () =>
      must(
        await api.GET('/api/ledger/items', {
          params: { query: { ...query, page: filters.page, pageSize: PAGE_SIZE } },
        }),
      ),
    placeholderData: (previous) => previous,
  });

  const change = (changes: Record<string, string | undefined>) => {
    setSelected([]);
    setProblem(null);
    set(changes);
  };

  const verifyMany = useMutation({
    mutationFn: async (ids: string[]) =>
      must(
        await api.POST('/api/ledger/items/verify', {
          body: { ids, note: verifyNote.trim() || undefined },
        }),
      ),
    onSuccess: async (result) => {
      setConfirming(false);
      setSelected([]);
      setVerifyNote('');
      setProblem(null);
      void message.success(`已销号 ${result.closed.length} 项`);
      await queryClient.invalidateQueries({ queryKey: ['ledger'] });
    },
    onError: async (error, ids) => {
      setConfirming(false);
      const refused = asApiError(error);
      // the api names each item not 已提交 and its state: said by title
      const wrong = (refused.details as { items?: { id?: string; state?: string }[] } | undefined)
        ?.items;
      const titles = new Map(selected.map((item) => [item.id, item.title]));
      const named = (Array.isArray(wrong) ? wrong : [])
        .filter((w) => w.id && ids.includes(w.id) && titles.has(w.id))
        .map(
          (w) =>
            `「${titles.get(w.id!)}」当前为「${STATE_WORDS[w.state as LedgerState] ?? '其他状态'}」`,
        );
      // all or nothing: none was closed; the list is read again and chosen anew
      setSelected([]);
      setProblem(
        `批量销号未完成：${refused.message}${named.length > 0 ? `。${named.join('；')}` : ''}。请重新选择后再销号。`,
      );
      await queryClient.invalidateQueries({ queryKey: ['ledger'] });
    },
  });

  const columns: TableColumnsType<LedgerItem> = [
    {
      key: 'light',
      title: '亮灯',
      width: 76,
      render: (_, item) =>
        item.light ? <TrafficLight light={item.light} /> : <Typography.Text>—</Typography.Text>,
    },
    {
      key: 'title',
      title: '事项',
      render: (_, item) => (
        <Flex vertical gap={2}>
          <Link to={`/ledger/items/${item.id}`} style={{ fontWeight: 500 }}>
            {item.title}
          </Link>
          {(!filters.list || item.templateName) && (
            <Typography.Text type="secondary" style={{ fontSize: 13 }}>
              {[item.templateName, filters.list ? null : LIST_WORDS[item.list]]
                .filter(Boolean)
                .join(' · ')}
            </Typography.Text>
          )}
          {item.escalations > 0 && (
            <Typography.Text type="danger" style={{ fontSize: 13 }}>
              已督办 {item.escalations} 次
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      key: 'unit',
      title: '责任单位',
      width: 170,
      render: (_, item) => item.orgUnitName ?? '—',
    },
    {
      key: 'responsible',
      title: '责任人',
      width: 150,
      render: (_, item) => item.responsibleName ?? '—',
    },
    {
      key: 'due',
      title: '完成时间',
      width: 150,
      render: (_, item) => (
        <Flex vertical gap={2}>
          <span title={item.dueAt ? `截止 ${formatDateTime(item.dueAt)}` : undefined}>
            {formatDate(item.dueAt)}
          </span>
          {LIVE.includes(item.state) && item.state !== 'submitted' && (
            <span style={{ fontSize: 13 }}>
              <DueText dueAt={item.dueAt} overdue={item.overdue} />
            </span>
          )}
        </Flex>
      ),
    },
    {
      key: 'state',
      title: '状态',
      width: 96,
      render: (_, item) => (
        <Tag color={STATE_COLORS[item.state]} style={{ marginInlineEnd: 0 }}>
          {STATE_WORDS[item.state]}
        </Tag>
      ),
    },
  ];
  const shown = narrow
    ? columns.filter((c) => c.key === 'light' || c.key === 'title' || c.key === 'state')
    : columns;

  const half = narrow ? 'calc(50% - 4px)' : undefined;

  const filterBar = (
    <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
      <Input.Search
        aria-label="搜索事项"
        placeholder="搜索事项名称或工作标准"
        allowClear
        enterButton="搜索"
        style={{ width: narrow ? '100%' : 320 }}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
        onSearch={(text) => change({ q: text.trim() || undefined })}
      />
      <Select
        aria-label="状态"
        placeholder="全部状态"
        allowClear
        style={{ width: half ?? 130 }}
        value={filters.state}
        options={STATES.map((state) => ({ value: state, label: STATE_WORDS[state] }))}
        onChange={(value?: string) => change({ state: value })}
      />
      <Select
        aria-label="亮灯"
        placeholder="全部亮灯"
        allowClear
        style={{ width: half ?? 150 }}
        value={filters.light}
        options={LIGHT_OPTIONS}
        onChange={(value?: string) => change({ light: value })}
      />
      <UnitSelect
        ariaLabel="责任单位"
        placeholder="全部单位"
        allowClear
        style={{ width: narrow ? '100%' : 200 }}
        value={filters.unit}
        onChange={(value) => change({ unit: value })}
      />
      <MonthInput
        style={{ width: narrow ? '100%' : 230 }}
        value={filters.month}
        onChange={(month) => change({ month })}
      />
      <Select
        aria-label="排序"
        style={{ width: half ?? 180 }}
        value={filters.sort}
        options={SORT_OPTIONS}
        onChange={(value: string) => change({ sort: value === 'due' ? undefined : value })}
      />
      <Checkbox
        checked={filters.overdue}
        onChange={(event) => change({ overdue: event.target.checked ? '1' : undefined })}
      >
        只看逾期
      </Checkbox>
      <Checkbox
        checked={filters.escalated}
        onChange={(event) => change({ escalated: event.target.checked ? '1' : undefined })}
      >
        只看已督办
      </Checkbox>
    </Flex>
  );

  const selectable = supervisor && !narrow;
  const toolbar = (
    <Flex gap={8} wrap align="center" justify="space-between" style={{ marginBottom: 12 }}>
      <Space wrap>
        {selectable && (
          <Button
            type="primary"
            disabled={selected.length === 0 || verifyMany.isPending}
            onClick={() => {
              setProblem(null);
              setConfirming(true);
            }}
          >
            批量销号{selected.length > 0 ? `（${selected.length} 项）` : ''}
          </Button>
        )}
        {selectable && (
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            勾选「已提交」的事项，核实佐证材料后可批量销号
          </Typography.Text>
        )}
      </Space>
      <Space wrap>
        {supervisor && (
          <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            新增事项
          </Button>
        )}
        <Button icon={<DownloadOutlined />} href={exportHref('xlsx', filters)} download>
          导出 Excel
        </Button>
        <Button icon={<DownloadOutlined />} href={exportHref('csv', filters)} download>
          导出 CSV
        </Button>
      </Space>
    </Flex>
  );

  return (
    <div style={{ maxWidth: 1400 }}>
      {messageHolder}
      <Space align="baseline" style={{ marginBottom: 4 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          挂账销号台账
        </Typography.Title>
        {items.data && <Typography.Text type="secondary">共 {items.data.total} 项</Typography.Text>}
      </Space>
      <Tabs
        activeKey={filters.list ?? 'all'}
        onChange={(key) => change({ list: key === 'all' ? undefined : key })}
        items={[
          { key: 'all', label: '全部' },
          ...LISTS.map((list) => ({ key: list, label: LIST_WORDS[list] })),
        ]}
      />
      {filterBar}
      {toolbar}
      {problem && (
        <Alert
          type="error"
          showIcon
          title={problem}
          role="alert"
          closable={{ onClose: () => setProblem(null) }}
          style={{ marginBottom: 12 }}
        />
      )}
      {items.isError ? (
        <LoadError error={items.error} onRetry={() => void items.refetch()} />
      ) : (
        <Table<LedgerItem>
          rowKey="id"
          size="middle"
          columns={shown}
          dataSource={items.data?.items ?? []}
          loading={{ spinning: items.isFetching, description: '加载中…' }}
          scroll={narrow ? undefined : { x: 960 }}
          locale={{
            emptyText: items.isPending
              ? '加载中…'
              : filters.q || filters.state || filters.unit || filters.month || filters.light
                ? '没有符合条件的事项，请调整搜索或筛选条件'
                : '台账中暂无事项',
          }}
          rowSelection={
            selectable
              ? {
                  selectedRowKeys: selected.map((item) => item.id),
                  preserveSelectedRowKeys: true,
                  onChange: (_keys, rows) =>
                    setSelected((previous) => {
                      const byId = new Map(previous.map((item) => [item.id, item]));
                      for (const row of rows) if (row) byId.set(row.id, row);
                      const keep = new Set(_keys);
                      return [...byId.values()].filter((item) => keep.has(item.id));
                    }),
                  getCheckboxProps: (item) => ({
                    disabled: item.state !== 'submitted',
                    title:
                      item.state === 'submitted'
                        ? `选择「${item.title}」`
                        : `「${STATE_WORDS[item.state]}」的事项不能销号`,
                    'aria-label': `选择「${item.title}」`,
                  }),
                }
              : undefined
          }
          onRow={(item) => ({
            onDoubleClick: () => void navigate(`/ledger/items/${item.id}`),
          })}
          pagination={{
            current: filters.page,
            pageSize: PAGE_SIZE,
            total: items.data?.total ?? 0,
            showSizeChanger: false,
            simple: narrow,
            hideOnSinglePage: true,
            showTotal: (total) => `共 ${total} 项`,
            onChange: (page) => set({ page: page === 1 ? undefined : String(page) }),
          }}
        />
      )}
      <Modal
        open={confirming}
        title="批量销号"
        okText={verifyMany.isPending ? '销号中…' : `确认销号 ${selected.length} 项`}
        cancelText="取消"
        okButtonProps={{ disabled: verifyMany.isPending }}
        onOk={() => verifyMany.mutate(selected.map((item) => item.id))}
        onCancel={() => setConfirming(false)}
      >
        <Typography.Paragraph>
          以下 {selected.length} 项将一并销号；任何一项不能销号时，全部不销号。
        </Typography.Paragraph>
        <ul style={{ maxHeight: 200, overflow: 'auto', paddingInlineStart: 20 }}>
          {selected.map((item) => (
            <li key={item.id}>
              {item.title}（{item.orgUnitName ?? '—'}）
            </li>
          ))}
        </ul>
        <label htmlFor="bulk-verify-note">销号意见（选填）</label>
        <Input.TextArea
          id="bulk-verify-note"
          rows={2}
          maxLength={5000}
          value={verifyNote}
          onChange={(event) => setVerifyNote(event.target.value)}
        />
      </Modal>
      <CreateItemModal
        open={creating}
        defaultList={filters.list ?? 'problem'}
        onClose={() => setCreating(false)}
        onCreated={(item) => {
          setCreating(false);
          void message.success(`已新增事项「${item.title}」`);
          void queryClient.invalidateQueries({ queryKey: ['ledger'] });
          void navigate(`/ledger/items/${item.id}`);
        }}
      />
    </div>
  );
}

/**
 * 完成月份: the browser's month field, which shows「--------- ----」while empty; so while it is
 * empty and not being edited it is a text field saying 全部月份, like the other filters.
 */
function MonthInput({
  value,
  onChange,
  style,
}: {
  value: string | undefined;
  onChange: (month: string | undefined) => void;
  style: React.CSSProperties;
}) {
  const [editing, setEditing] = useState(false);
  return (
    <Input
      type={value || editing ? 'month' : 'text'}
      aria-label="完成月份"
      title="完成时间所在月份"
      placeholder="全部月份"
      prefix={<span style={{ color: 'rgba(0,0,0,0.45)' }}>完成月份</span>}
      style={style}
      value={value ?? ''}
      onFocus={() => setEditing(true)}
      onBlur={() => setEditing(false)}
      onChange={(event) => onChange(event.target.value || undefined)}
    />
  );
}
