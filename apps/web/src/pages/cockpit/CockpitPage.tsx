import { useQuery } from '@tanstack/react-query';
import {
  Breadcrumb,
  Button,
  Card,
  Col,
  Empty,
  Flex,
  Grid,
  Radio,
  Row,
  Select,
  Space,
  Spin,
  Statistic,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must, serverNow } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { LoadError, NotFound } from '../../app/results';
import {
  KIND_NAMES,
  type PeriodKind,
  periodLabel,
  periodOptions,
  quarterStart,
  rateText,
  validMonth,
} from './period';
import { pageParam, withChanges } from '../../components/urlParams';

const RollupChart = lazy(() => import('./RollupChart'));

type UnitRow = components['schemas']['UnitRollupRowDto'];

const PAGE_SIZE = 50;
const NESTED_PAGE_SIZE = 20;

interface View {
  readonly kind: PeriodKind;
  readonly month: string;
  readonly unit: string | undefined;
  readonly page: number;
}

/** The view lives in the URL: period, month or quarter, the unit drilled into, the page. */
function useView() {
  const [params, setParams] = useSearchParams();
  const kind: PeriodKind = params.get('period') === 'quarter' ? 'quarter' : 'month';
  const month = validMonth(params.get('month'), serverNow());
  const view: View = {
    kind,
    month: kind === 'quarter' ? quarterStart(month) : month,
    unit: params.get('unit') ?? undefined,
    page: pageParam(params, 10_000),
  };
  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  return { view, params, set };
}

/** The address of the cockpit drilled into `unit`, keeping the period. */
function unitHref(params: URLSearchParams, unit: string): string {
  const next = new URLSearchParams(params);
  next.set('unit', unit);
  next.delete('page');
  return `/cockpit?${next.toString()}`;
}

function useLevel(
  parentId: string | undefined,
  view: Pick<View, 'kind' | 'month'>,
  page: number,
  pageSize: number,
  enabled = true,
) {
  return useQuery({
    queryKey: [
      'ledger',
      'rollup',
      'units',
      parentId ?? null,
      view.kind,
      view.month,
      page,
      pageSize,
    ],
    queryFn: async () =>
      must(
        await api.GET('/api/ledger/rollup/units', {
          params: {
            query: { period: view.kind, month: view.month, parentId, page, pageSize },
          },
        }),
      ),
    placeholderData: (previous) => previous,
    enabled,
  });
}

/** A unit outside one's scope answers as an unknown one (400 naming parentId): not found. */
function isUnknownUnit(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 ||
      (error.status === 400 && error.fields.some((field) => field.field === 'parentId')))
  );
}

function countColumns(): TableColumnsType<UnitRow> {
  const number = (value: number, danger = false) =>
    danger && value > 0 ? <Typography.Text type="danger">{value}</Typography.Text> : value;
  return [
    { title: '总数', dataIndex: 'total', width: 80, align: 'right' },
    { title: '未完成', dataIndex: 'openAtEnd', width: 80, align: 'right' },
    {
      title: '逾期',
      dataIndex: 'overdueAtEnd',
      width: 80,
      align: 'right',
      render: (value: number) => number(value, true),
    },
    {
      title: '督办',
      dataIndex: 'escalated',
      width: 80,
      align: 'right',
      render: (value: number) => number(value, true),
    },
    { title: '已销号', dataIndex: 'closed', width: 80, align: 'right' },
    {
      title: '按时完成率',
      dataIndex: 'onTimeRate',
      width: 110,
      align: 'right',
      render: (value: number | null) => rateText(value),
    },
  ];
}

function UnitTable({
  parentId,
  view,
  params,
  page,
  onPage,
  nested,
}: {
  parentId: string | undefined;
  view: View;
  params: URLSearchParams;
  page: number;
  onPage: (page: number) => void;
  nested?: boolean;
}) {
  const pageSize = nested ? NESTED_PAGE_SIZE : PAGE_SIZE;
  const level = useLevel(parentId, view, page, pageSize);
  const columns: TableColumnsType<UnitRow> = [
    {
      title: '党组织',
      dataIndex: 'orgUnitName',
      fixed: 'left',
      width: 240,
      render: (name: string, row) => (
        <Space size={6} wrap>
          <Link to={unitHref(params, row.orgUnitId)} title={`查看${name}的下级和事项`}>
            {name}
          </Link>
          <Tag style={{ marginInlineEnd: 0 }}>{KIND_NAMES[row.kind] ?? row.kind}</Tag>
        </Space>
      ),
    },
    ...countColumns(),
    {
      title: '事项',
      key: 'links',
      width: 170,
      render: (_: unknown, row) => (
        <Space size={12}>
          <Link to={`/ledger?orgUnitId=${encodeURIComponent(row.orgUnitId)}`}>台账</Link>
          <Link to={`/overdue?orgUnitId=${encodeURIComponent(row.orgUnitId)}`}>逾期督办</Link>
        </Space>
      ),
    },
  ];
  if (level.isError) {
    return <LoadError error={level.error} onRetry={() => void level.refetch()} />;
  }
  return (
    <Table<UnitRow>
      size={nested ? 'small' : 'middle'}
      rowKey="orgUnitId"
      columns={columns}
      dataSource={level.data?.rows ?? []}
      loading={level.isFetching ? { description: '加载中…' } : false}
      scroll={{ x: 1000 }}
      aria-label={nested ? '下级党组织' : '党组织汇总'}
      locale={{ emptyText: level.isPending ? ' ' : '没有下级党组织' }}
      expandable={{
        rowExpandable: (row) => row.childCount > 0,
        expandedRowRender: (row) => (
          <NestedLevel parentId={row.orgUnitId} view={view} params={params} />
        ),
        expandIcon: ({ expanded, onExpand, record, expandable }) =>
          expandable ? (
            <Button
              size="small"
              type="text"
              aria-expanded={expanded}
              aria-label={`${expanded ? '收起' : '展开'}${record.orgUnitName}的下级`}
              onClick={(event) => onExpand(record, event)}
            >
              {expanded ? '−' : '+'}
            </Button>
          ) : null,
      }}
      pagination={
        (level.data?.total ?? 0) > pageSize
          ? {
              current: page,
              pageSize,
              total: level.data?.total ?? 0,
              showSizeChanger: false,
              showTotal: (total) => `共 ${total} 个党组织`,
              onChange: onPage,
            }
          : false
      }
    />
  );
}

/** An expanded row: the unit's children, loaded when opened, paged by the api. */
function NestedLevel({
  parentId,
  view,
  params,
}: {
  parentId: string;
  view: View;
  params: URLSearchParams;
}) {
  const [page, setPage] = useState(1);
  return (
    <UnitTable
      parentId={parentId}
      view={view}
      params={params}
      page={page}
      onPage={setPage}
      nested
    />
  );
}

function Summary({ row, label }: { row: UnitRow; label: string }) {
  const items: { title: string; value: number | string; danger?: boolean }[] = [
    { title: '总数', value: row.total },
    { title: '未完成', value: row.openAtEnd },
    { title: '逾期', value: row.overdueAtEnd, danger: row.overdueAtEnd > 0 },
    { title: '督办', value: row.escalated, danger: row.escalated > 0 },
    { title: '已销号', value: row.closed },
    { title: '按时完成率', value: rateText(row.onTimeRate) },
  ];
  return (
    <Card
      size="small"
      title={`${row.orgUnitName} · ${label}`}
      extra={
        <Space size={12} wrap>
          <Link to={`/ledger?orgUnitId=${encodeURIComponent(row.orgUnitId)}`}>查看台账事项</Link>
          <Link to={`/overdue?orgUnitId=${encodeURIComponent(row.orgUnitId)}`}>逾期督办</Link>
        </Space>
      }
      style={{ marginBottom: 16 }}
    >
      <Row gutter={[16, 16]} role="list" aria-label={`${row.orgUnitName}汇总`}>
        {items.map((item) => (
          <Col key={item.title} xs={12} sm={8} md={4} role="listitem">
            <Statistic
              title={item.title}
              value={item.value}
              styles={item.danger ? { content: { color: '#cf1322' } } : undefined}
            />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

/** `/cockpit` 督导驾驶舱: my subtree level by level, with the month's or quarter's roll-up. */
export default function CockpitPage() {
  const { view, params, set } = useView();
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  // Without a unit in the URL: my topmost units; one of them (the usual case) is drilled into
  const roots = useLevel(undefined, view, 1, PAGE_SIZE, view.unit === undefined);
  const focus =
    view.unit ?? (roots.data?.rows.length === 1 ? roots.data.rows[0].orgUnitId : undefined);
  const level = useLevel(focus, view, view.page, PAGE_SIZE, focus !== undefined);
  const label = periodLabel(view.kind, view.month);
  const options = useMemo(() => periodOptions(view.kind, serverNow()), [view.kind]);

  const controls = (
    <Flex gap={8} wrap align="center">
      <Radio.Group
        aria-label="周期"
        optionType="button"
        value={view.kind}
        options={[
          { value: 'month', label: '月度' },
          { value: 'quarter', label: '季度' },
        ]}
        onChange={(event) =>
          set({
            period: event.target.value === 'quarter' ? 'quarter' : undefined,
            month: event.target.value === 'quarter' ? quarterStart(view.month) : view.month,
          })
        }
      />
      <Select
        aria-label={view.kind === 'quarter' ? '季度' : '月份'}
        style={{ width: narrow ? 160 : 180 }}
        value={view.month}
        options={
          options.some((o) => o.value === view.month)
            ? options
            : [{ value: view.month, label }, ...options]
        }
        onChange={(value: string) => set({ month: value })}
      />
    </Flex>
  );

  const header = (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        督导驾驶舱
      </Typography.Title>
      {controls}
    </Flex>
  );

  if (view.unit === undefined && roots.isError) {
    return (
      <div>
        {header}
        <LoadError error={roots.error} onRetry={() => void roots.refetch()} />
      </div>
    );
  }
  if (level.isError) {
    return (
      <div>
        {header}
        {isUnknownUnit(level.error) ? (
          <NotFound />
        ) : (
          <LoadError error={level.error} onRetry={() => void level.refetch()} />
        )}
      </div>
    );
  }

  const data = level.data;
  const trail = data?.trail ?? [];
  return (
    <div>
      {header}
      {focus === undefined ? (
        // Several topmost units (grants on separate subtrees): the list of them
        roots.isPending ? (
          <Spin description="加载中…" />
        ) : (
          <Card size="small" title={`我负责的党组织 · ${label}`}>
            <UnitTable
              parentId={undefined}
              view={view}
              params={params}
              page={1}
              onPage={() => undefined}
            />
          </Card>
        )
      ) : !data ? (
        <Card loading />
      ) : (
        <>
          {trail.length > 1 && (
            <Breadcrumb
              style={{ marginBottom: 12 }}
              items={trail.map((unit, index) =>
                index === trail.length - 1
                  ? { title: unit.orgUnitName }
                  : {
                      title: <Link to={unitHref(params, unit.orgUnitId)}>{unit.orgUnitName}</Link>,
                    },
              )}
            />
          )}
          {data.parent && <Summary row={data.parent} label={label} />}
          <Card
            size="small"
            title={`下级党组织（共 ${data.total} 个）`}
            styles={{ body: { paddingTop: 8 } }}
          >
            {data.rows.length === 0 ? (
              <Empty
                description={
                  <span>
                    没有下级党组织。
                    <Link to={`/ledger?orgUnitId=${encodeURIComponent(focus)}`}>
                      查看本级台账事项
                    </Link>
                  </span>
                }
              />
            ) : (
              <>
                <Suspense fallback={<div style={{ height: 340 }} />}>
                  <RollupChart
                    rows={data.rows}
                    title={`${data.parent?.orgUnitName ?? ''}各下级党组织${label}台账情况：未完成、逾期、已销号和按时完成率`}
                  />
                </Suspense>
                <UnitTable
                  parentId={focus}
                  view={view}
                  params={params}
                  page={view.page}
                  onPage={(page) => set({ page: page === 1 ? undefined : String(page) })}
                />
              </>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
