import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Grid,
  Input,
  Modal,
  Row,
  Table,
  Tag,
  Typography,
  message as antMessage,
} from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { useAuth } from '../../app/auth';
import { LoadError, PageLoading } from '../../app/results';
import type { DiagramMarks } from '../../components/DiagramViewer';
import { formatDateTime } from '../../components/time';
import { readBpmn } from '../tasks/bpmnText';
import { InstanceHistory } from './InstanceHistory';
import { incidentWords, stateWords, UUID_IN, VARIABLE_WORDS } from './words';

const DiagramViewer = lazy(() => import('../../components/DiagramViewer'));

type Instance = components['schemas']['InstanceDto'];
type Incident = components['schemas']['IncidentDto'];
type Diagram = components['schemas']['InstanceDiagramDto'];

function useInstanceData(id: string) {
  const instance = useQuery({
    queryKey: ['instance', id],
    queryFn: async () => must(await api.GET('/api/instances/{id}', { params: { path: { id } } })),
  });
  const found = instance.isSuccess;
  const diagram = useQuery({
    queryKey: ['instance', id, 'diagram'],
    enabled: found,
    queryFn: async () =>
      must(await api.GET('/api/instances/{id}/diagram', { params: { path: { id } } })),
  });
  const history = useQuery({
    queryKey: ['instance', id, 'history'],
    enabled: found,
    queryFn: async () =>
      must(await api.GET('/api/instances/{id}/history', { params: { path: { id } } })),
  });
  const verification = useQuery({
    queryKey: ['instance', id, 'verify'],
    enabled: found,
    queryFn: async () =>
      must(await api.GET('/api/audit/verify', { params: { query: { stream: id } } })),
  });
  return { instance, diagram, history, verification };
}

/** The ids of the sub-processes: containers, running while anything inside them runs. */
function containersOf(xml: string | undefined): ReadonlySet<string> {
  if (!xml) return new Set();
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  return new Set(
    Array.from(doc.getElementsByTagName('*'))
      .filter((e) => e.localName === 'subProcess' || e.localName === 'transaction')
      .map((e) => e.getAttribute('id') ?? ''),
  );
}

/**
 * Marks from the element statistics: running now (not the sub-process around a running step),
 * passed, blocked; a badge of how often each ran.
 */
function marksOf(diagram: Diagram | undefined): DiagramMarks {
  const elements = diagram?.elements ?? [];
  const containers = containersOf(diagram?.xml);
  return {
    current: elements
      .filter((e) => e.active > 0 && e.incidents === 0 && !containers.has(e.elementId))
      .map((e) => e.elementId),
    completed: elements.filter((e) => e.completed > 0 && e.active === 0).map((e) => e.elementId),
    problems: elements.filter((e) => e.incidents > 0).map((e) => e.elementId),
    counts: Object.fromEntries(
      elements
        .filter((e) => e.completed + e.active > 0)
        .map((e) => [e.elementId, e.completed + e.active]),
    ),
  };
}

/**
 * A variable's value as a person reads it: the ids it holds as names (members, units), lists
 * and objects folded.
 */
function VariableValue({
  value,
  names,
}: {
  value: unknown;
  names: Readonly<Record<string, string>>;
}) {
  if (value === null || value === undefined)
    return <Typography.Text type="secondary">（空）</Typography.Text>;
  if (typeof value === 'boolean') return <>{value ? '是' : '否'}</>;
  if (typeof value === 'number') return <>{value}</>;
  if (typeof value === 'string')
    return <span style={{ wordBreak: 'break-all' }}>{names[value] ?? value}</span>;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && names[v])) {
    return <span>{(value as string[]).map((v) => names[v]).join('、') || '（空）'}</span>;
  }
  const summary = Array.isArray(value)
    ? `列表，${value.length} 项`
    : `${Object.keys(value).length} 项内容`;
  return (
    <details>
      <summary style={{ cursor: 'pointer' }}>{summary}（点击展开）</summary>
      <pre
        style={{
          margin: '4px 0 0',
          maxHeight: 240,
          overflow: 'auto',
          fontSize: 12,
          background: '#fafafa',
          padding: 8,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-all',
        }}
      >
        {JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' ? (names[v] ?? v) : v), 2)}
      </pre>
    </details>
  );
}

function CancelButton({ instance, onDone }: { instance: Instance; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const cancel = useMutation({
    mutationFn: async () =>
      must(
        await api.POST('/api/instances/{id}/cancel', {
          params: { path: { id: instance.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      setReason('');
      onDone();
    },
    onError: (error) => setProblem(asApiError(error).message),
  });
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>
        取消流程
      </Button>
      <Modal
        open={open}
        title="取消此流程？"
        okText={cancel.isPending ? '取消中…' : '确认取消流程'}
        okButtonProps={{ danger: true, disabled: reason.trim() === '' || cancel.isPending }}
        cancelText="返回"
        onOk={() => {
          setProblem(null);
          cancel.mutate();
        }}
        onCancel={() => {
          setOpen(false);
          setProblem(null);
        }}
      >
        <Flex vertical gap={8}>
          <Typography.Paragraph style={{ marginBottom: 0 }}>
            取消后，尚未办理的步骤全部撤销，流程不能恢复。原因会记入办理记录。
          </Typography.Paragraph>
          <label htmlFor="cancel-reason">取消原因（必填）</label>
          <Input.TextArea
            id="cancel-reason"
            rows={3}
            maxLength={500}
            showCount
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            placeholder="例如：计划调整，本月活动与上级组织的活动合并开展"
            style={{ marginBottom: 20 }}
          />
          {problem && <Alert type="error" showIcon title={problem} role="alert" />}
        </Flex>
      </Modal>
    </>
  );
}

function ResolveButton({
  instanceId,
  incident,
  stepName,
  onDone,
}: {
  instanceId: string;
  incident: Incident;
  stepName: string;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const resolve = useMutation({
    mutationFn: async (variables: Record<string, unknown> | undefined) =>
      must(
        await api.POST('/api/instances/{id}/incidents/{incidentKey}/resolve', {
          params: { path: { id: instanceId, incidentKey: incident.key } },
          body: variables ? { variables: variables as Record<string, never> } : {},
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      setText('');
      onDone();
    },
    onError: (error) => setProblem(asApiError(error).message),
  });
  const submit = () => {
    setProblem(null);
    if (text.trim() === '') return resolve.mutate(undefined);
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
      resolve.mutate(parsed as Record<string, unknown>);
    } catch {
      setProblem('补充的数据须是 JSON 对象，例如 {"score": 80}');
    }
  };
  return (
    <>
      <Button size="small" type="primary" onClick={() => setOpen(true)}>
        解决
      </Button>
      <Modal
        open={open}
        title={`解决「${stepName}」的故障`}
        okText={resolve.isPending ? '处理中…' : '重试此环节'}
        okButtonProps={{ disabled: resolve.isPending }}
        cancelText="返回"
        onOk={submit}
        onCancel={() => {
          setOpen(false);
          setProblem(null);
        }}
      >
        <Flex vertical gap={8}>
          <Typography.Paragraph style={{ marginBottom: 0 }}>
            流程将从此环节重新尝试。若故障是缺少数据所致，可先补充数据（可不填）。
          </Typography.Paragraph>
          <label htmlFor={`resolve-${incident.key}`}>补充数据（JSON 对象，可不填）</label>
          <Input.TextArea
            id={`resolve-${incident.key}`}
            rows={3}
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setProblem(null);
            }}
            placeholder='例如：{"score": 80}'
            style={{ fontFamily: 'monospace' }}
          />
          {problem && <Alert type="error" showIcon title={problem} role="alert" />}
        </Flex>
      </Modal>
    </>
  );
}

/** `/instances/:id`: one instance — where it stands on its diagram, its steps, data and history. */
export default function InstancePage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const screens = Grid.useBreakpoint();
  const narrow = screens.lg === false;
  const { hasRole } = useAuth();
  const { instance, diagram, history, verification } = useInstanceData(id);
  const bpmn = useMemo(() => readBpmn(diagram.data?.xml), [diagram.data?.xml]);
  const marks = useMemo(() => marksOf(diagram.data), [diagram.data]);

  if (instance.isPending) return <PageLoading />;
  if (instance.isError)
    return <LoadError error={instance.error} onRetry={() => void instance.refetch()} />;
  const i = instance.data;
  const running = i.state === 'active' || i.state === 'incident';
  // who reads an instance (its unit's secretary, a supervisor over it) may cancel it and
  // resolve its incidents
  const mayAct = hasRole('secretary', 'supervisor');
  const title = diagram.data?.templateName ?? (diagram.isPending ? '' : '未命名流程');
  const state = stateWords(i.state);
  const starter = history.data?.items.find((e) => e.type === 'instance.started')?.actorName ?? '—';
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['instance', id] });
  const stepName = (elementId: string) => bpmn.names.get(elementId) ?? '未命名环节';

  const header = (
    <Card size="small">
      <Flex vertical gap={8}>
        <Flex gap={8} align="center" wrap justify="space-between">
          <Flex gap={8} align="center" wrap>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {title}
            </Typography.Title>
            <Tag color={state.color}>{state.label}</Tag>
          </Flex>
          {running && mayAct && (
            <CancelButton
              instance={i}
              onDone={() => {
                void message.success('流程已取消');
                refresh();
                void queryClient.invalidateQueries({ queryKey: ['instances'] });
              }}
            />
          )}
        </Flex>
        <Descriptions
          size="small"
          column={narrow ? 1 : 3}
          items={[
            { key: 'unit', label: '党组织', children: diagram.data?.orgUnitName ?? '—' },
            {
              key: 'key',
              label: '业务编号',
              children: i.businessKey && !UUID_IN.test(i.businessKey) ? i.businessKey : '—',
            },
            { key: 'version', label: '模板版本', children: `v${i.version}` },
            { key: 'starter', label: '发起人', children: starter },
            { key: 'started', label: '发起时间', children: formatDateTime(i.createdAt) },
            { key: 'ended', label: '结束时间', children: formatDateTime(i.endedAt) },
          ]}
        />
      </Flex>
    </Card>
  );

  const legend = (
    <Flex gap={16} wrap style={{ fontSize: 13, marginTop: 8 }} aria-label="图例">
      <span>
        <span
          className="legend-box"
          style={{ border: '2px solid #c00000', background: '#fff1f0' }}
        />
        红框：正在办理
      </span>
      <span>
        <span
          className="legend-box"
          style={{ border: '1px solid #8c8c8c', background: '#f0f0f0' }}
        />
        灰底：已完成
      </span>
      <span>
        <span
          className="legend-box"
          style={{ border: '2px dashed #cf1322', background: '#fff2f0' }}
        />
        红色虚线：出现故障
      </span>
      <span>角上的红色数字：经过次数</span>
    </Flex>
  );

  const diagramCard = (
    <Card size="small" title="流程图">
      {diagram.data?.xml ? (
        <Suspense fallback={<PageLoading />}>
          <DiagramViewer
            xml={diagram.data.xml}
            marks={marks}
            height={narrow ? 300 : 400}
            label={`${title}的流程图，正在办理：${
              (marks.current ?? []).map(stepName).join('、') || '无'
            }`}
          />
          {legend}
        </Suspense>
      ) : diagram.isError ? (
        <Typography.Text type="secondary">流程图暂不可用</Typography.Text>
      ) : (
        <PageLoading />
      )}
    </Card>
  );

  const userTasks = i.openTasks.filter((t) => t.kind === 'user');
  const stepsCard = (
    <Card size="small" title="当前步骤">
      {userTasks.length === 0 ? (
        <Typography.Text type="secondary">
          {i.incidents.length > 0
            ? '流程因故障暂停：解决下方的故障后，流程继续'
            : running
              ? '暂无待办理的步骤（流程正在自动处理）'
              : '流程已结束，没有待办理的步骤'}
        </Typography.Text>
      ) : (
        <Flex vertical gap={8} role="list" aria-label="当前步骤">
          {userTasks.map((t) => (
            <Flex key={t.id} role="listitem" gap={8} wrap align="baseline">
              <Link to={`/tasks/${t.id}`}>{t.name ?? stepName(t.elementId)}</Link>
              <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                {t.dueAt ? `截止 ${formatDateTime(t.dueAt)}` : '无截止时间'}
              </Typography.Text>
            </Flex>
          ))}
        </Flex>
      )}
    </Card>
  );

  const incidentsCard =
    i.incidents.length === 0 ? null : (
      <Card size="small" title="故障">
        <Flex vertical gap={12}>
          {i.incidents.map((incident) => (
            <Alert
              key={incident.key}
              type="error"
              showIcon
              title={incidentWords(incident.message, stepName(incident.elementId))}
              description={
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {formatDateTime(incident.createdAt)} · 技术信息：{incident.message}
                </Typography.Text>
              }
              action={
                mayAct ? (
                  <ResolveButton
                    instanceId={i.id}
                    incident={incident}
                    stepName={stepName(incident.elementId)}
                    onDone={() => {
                      void message.success('已重试，故障已解决');
                      refresh();
                    }}
                  />
                ) : undefined
              }
            />
          ))}
        </Flex>
      </Card>
    );

  const variables = Object.entries(i.variables ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const variablesCard = (
    <Card size="small" title="流程数据">
      {variables.length === 0 ? (
        <Empty description="暂无流程数据" image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <Table
          size="small"
          rowKey={([name]) => name}
          pagination={false}
          dataSource={variables}
          aria-label="流程数据"
          columns={[
            {
              key: 'name',
              title: '名称',
              width: '35%',
              render: (_, [name]) => {
                const label = diagram.data?.labels[name] ?? VARIABLE_WORDS[name];
                return label ? (
                  <Flex vertical>
                    <span>{label}</span>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {name}
                    </Typography.Text>
                  </Flex>
                ) : (
                  <Typography.Text code>{name}</Typography.Text>
                );
              },
            },
            {
              key: 'value',
              title: '值',
              render: (_, [, value]) => (
                <VariableValue value={value} names={diagram.data?.names ?? {}} />
              ),
            },
          ]}
        />
      )}
    </Card>
  );

  const verified = verification.data;
  const historyCard = (
    <Card
      size="small"
      title="办理记录"
      extra={
        verified ? (
          verified.ok ? (
            <Tag color="success" title={`审计链完整，共 ${verified.events} 条记录`}>
              已校验
            </Tag>
          ) : (
            <Tag color="error">校验失败</Tag>
          )
        ) : verification.isError ? (
          <Tag>暂未校验</Tag>
        ) : (
          <Tag>校验中…</Tag>
        )
      }
    >
      {verified && !verified.ok && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          title="办理记录的审计链校验失败：记录可能被改动或缺失，请联系系统管理员。"
          description={
            verified.broken ? (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                第 {verified.broken.seq} 条 · 技术信息：{verified.broken.reason}
              </Typography.Text>
            ) : undefined
          }
        />
      )}
      {verified?.ok && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
          审计链已校验：{verified.events} 条记录完整、未被改动。
        </Typography.Paragraph>
      )}
      {history.data ? (
        <InstanceHistory events={history.data.items} names={bpmn.names} />
      ) : history.isError ? (
        <Typography.Text type="secondary">办理记录暂不可用</Typography.Text>
      ) : (
        <PageLoading />
      )}
    </Card>
  );

  return (
    <Flex vertical gap={12}>
      {messageHolder}
      <style>{`.legend-box { display: inline-block; width: 14px; height: 10px; margin-inline-end: 4px; vertical-align: -1px; border-radius: 2px; }`}</style>
      <Breadcrumb
        items={[{ title: <Link to="/instances">流程实例</Link> }, { title: title || '详情' }]}
      />
      {header}
      {diagramCard}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={14}>
          <Flex vertical gap={12}>
            {stepsCard}
            {incidentsCard}
            {variablesCard}
          </Flex>
        </Col>
        <Col xs={24} lg={10}>
          {historyCard}
        </Col>
      </Row>
    </Flex>
  );
}
