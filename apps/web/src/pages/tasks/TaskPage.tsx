import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Grid,
  Image,
  Result,
  Row,
  Space,
  Tag,
  Typography,
  message as antMessage,
} from 'antd';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import { useAuth } from '../../app/auth';
import type { components } from '../../api/schema';
import { LoadError, PageLoading } from '../../app/results';
import { DueText } from '../../components/DueText';
import { type Attachment, EvidenceUpload } from '../../components/EvidenceUpload';
import {
  allComponents,
  FormViewer,
  type FormViewerHandle,
  type FormSchema,
} from '../../components/FormViewer';
import { formatDateTime } from '../../components/time';
import { TrafficLight } from '../../components/TrafficLight';
import { markTaskOpened } from '../inbox/opened';
import { readBpmn } from './bpmnText';
import { TaskHistory } from './TaskHistory';

const DiagramViewer = lazy(() => import('../../components/DiagramViewer'));

type Task = components['schemas']['TaskDetailDto'];
type Instance = components['schemas']['InstanceDto'];
type OpenTask = components['schemas']['OpenTaskDto'];

const STATE_WORDS: Record<string, string> = {
  open: '待办理',
  completed: '已办结',
  cancelled: '已取消',
};

/** Values to send: what the form holds, without the empty ones (an empty optional field is absent). */
function submittedValues(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(
      ([, value]) => value !== undefined && value !== null && value !== '',
    ),
  );
}

/**
 * The form the page shows: the step's form with the evidence field (`ledger.evidenceField`, e.g.
 * the theme day's photos) offering the files uploaded to the step's ledger item by name.
 */
function withEvidence(
  form: FormSchema,
  evidenceField: string | null,
  attachments: readonly Attachment[],
): FormSchema {
  if (!evidenceField) return form;
  const copy = structuredClone(form);
  for (const component of allComponents(copy)) {
    if (component.key !== evidenceField) continue;
    const values = attachments.map((a) => ({ value: a.id, label: a.fileName }));
    component.values = values;
    if (values.length === 0) {
      component.description = '请先在右侧「佐证材料」上传照片，上传后在此选择。';
    }
  }
  return copy;
}

/** Whether the evidence field takes one file (a select, e.g. the birthday's 合影) or a list. */
function singleEvidence(
  form: FormSchema | null | undefined,
  evidenceField: string | null,
): boolean {
  if (!form || !evidenceField) return false;
  const field = allComponents(form).find((component) => component.key === evidenceField);
  return field?.type === 'select' || field?.type === 'radio';
}

function useTaskData(id: string) {
  const task = useQuery({
    queryKey: ['task', id],
    queryFn: async () => must(await api.GET('/api/tasks/{id}', { params: { path: { id } } })),
  });
  const instanceId = task.data?.instanceId;
  const instance = useQuery({
    queryKey: ['instance', instanceId],
    enabled: !!instanceId,
    queryFn: async () =>
      must(await api.GET('/api/instances/{id}', { params: { path: { id: instanceId! } } })),
  });
  const template = useQuery({
    queryKey: ['template', instance.data?.templateKey, instance.data?.version],
    enabled: !!instance.data,
    staleTime: Infinity,
    queryFn: async () =>
      must(
        await api.GET('/api/templates/{key}', {
          params: {
            path: { key: instance.data!.templateKey },
            query: { version: instance.data!.version },
          },
        }),
      ),
  });
  const history = useQuery({
    queryKey: ['instance', instanceId, 'history'],
    enabled: !!instanceId,
    queryFn: async () =>
      must(await api.GET('/api/instances/{id}/history', { params: { path: { id: instanceId! } } })),
  });
  const ledgerItemId = useQuery({
    queryKey: ['ledger', 'by-task', id],
    enabled: !!instanceId,
    queryFn: async () => {
      const page = must(
        await api.GET('/api/ledger/items', {
          params: { query: { instanceId: instanceId!, pageSize: 100 } },
        }),
      );
      return page.items.find((item) => item.taskId === id)?.id ?? null;
    },
  });
  const ledgerItem = useQuery({
    queryKey: ['ledger', 'item', ledgerItemId.data],
    enabled: !!ledgerItemId.data,
    queryFn: async () =>
      must(
        await api.GET('/api/ledger/items/{id}', {
          params: { path: { id: ledgerItemId.data! } },
        }),
      ),
  });
  return { task, instance, template, history, ledgerItemId, ledgerItem };
}

function NextSteps({ instance, onInbox }: { instance: Instance; onInbox: () => void }) {
  const next = (instance.openTasks ?? []).filter((t: OpenTask) => t.kind === 'user');
  return (
    <Result
      status="success"
      title="已提交，此步骤已办结"
      subTitle={
        instance.state === 'completed'
          ? '流程已全部完成。'
          : next.length > 0
            ? `流程已进入下一步：${next.map((t) => t.name ?? '未命名步骤').join('、')}`
            : '流程正在继续处理。'
      }
      extra={
        <Flex vertical gap={8} align="center">
          {next.slice(0, 5).map((t) => (
            <Link key={t.id} to={`/tasks/${t.id}`}>
              <Button type="primary">办理下一步：{t.name ?? '未命名步骤'}</Button>
            </Link>
          ))}
          <Button onClick={onInbox}>返回我的待办</Button>
        </Flex>
      }
    />
  );
}

/** `/tasks/:id`: one step — its standard, its form, the diagram, the history, the evidence. */
export default function TaskPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const screens = Grid.useBreakpoint();
  const narrow = screens.lg === false;
  const { task, instance, template, history, ledgerItemId, ledgerItem } = useTaskData(id);
  const { me } = useAuth();
  const formRef = useRef<FormViewerHandle>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<Instance | null>(null);
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    markTaskOpened(id);
    setDone(null);
    setProblem(null);
    // The inbox's notifications about this step are read now
    void (async () => {
      try {
        const page = must(
          await api.GET('/api/notifications', {
            params: { query: { unread: true, pageSize: 100 } },
          }),
        );
        const about = page.items.filter((n) => n.taskId === id);
        for (const n of about) {
          await api.POST('/api/notifications/{id}/read', { params: { path: { id: n.id } } });
        }
        if (about.length > 0) void queryClient.invalidateQueries({ queryKey: ['notifications'] });
      } catch {
        // the badge is a convenience; the step works without it
      }
    })();
  }, [id, queryClient]);

  const bpmn = useMemo(() => readBpmn(template.data?.xml), [template.data?.xml]);
  const elementId = task.data?.elementId;
  const evidenceField = elementId ? bpmn.property(elementId, 'ledger.evidenceField') : null;
  const requiresEvidence = elementId ? bpmn.property(elementId, 'ledger.requiresEvidence') : null;
  const attachments = useMemo(() => ledgerItem.data?.attachments ?? [], [ledgerItem.data]);
  const schema = useMemo(
    () =>
      task.data?.form
        ? withEvidence(task.data.form as FormSchema, evidenceField, attachments)
        : null,
    [task.data?.form, evidenceField, attachments],
  );
  const single = singleEvidence(task.data?.form, evidenceField);
  const formData = useMemo(() => {
    const variables = { ...(instance.data?.variables ?? {}) } as Record<string, unknown>;
    if (evidenceField && !(evidenceField in variables)) {
      const wanted = attachments.filter(
        (a) => requiresEvidence !== 'image' || a.contentType.startsWith('image/'),
      );
      // one file: the latest uploaded; a list: all of them
      if (wanted.length > 0)
        variables[evidenceField] = single ? wanted.at(-1)!.id : wanted.map((a) => a.id);
    }
    return variables;
  }, [instance.data?.variables, evidenceField, requiresEvidence, attachments, single]);
  const marks = useMemo(
    () => ({
      current: elementId ? [elementId] : [],
      completed: (history.data?.items ?? [])
        .filter((e) => e.type === 'element.completed' && e.elementId)
        .map((e) => e.elementId!),
    }),
    [elementId, history.data],
  );

  const claim = useMutation({
    mutationFn: async () =>
      must(await api.POST('/api/tasks/{id}/claim', { params: { path: { id } } })),
    onSuccess: async () => {
      void message.success('已认领，此步骤由您办理');
      await queryClient.invalidateQueries({ queryKey: ['task', id] });
    },
    onError: (error) => setProblem(asApiError(error).message),
  });

  const complete = useMutation({
    mutationFn: async (variables: Record<string, unknown>) =>
      must(
        await api.POST('/api/tasks/{id}/complete', {
          params: { path: { id } },
          body: { variables: variables as Record<string, never> },
        }),
      ),
    onSuccess: async (result) => {
      setDone(result);
      void message.success('已提交');
      window.scrollTo({ top: 0 });
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      await queryClient.invalidateQueries({ queryKey: ['task', id] });
      await queryClient.invalidateQueries({ queryKey: ['instance'] });
      await queryClient.invalidateQueries({ queryKey: ['ledger'] });
    },
    onError: (error) => {
      const refused = asApiError(error);
      const byKey = new Map<string, string[]>();
      for (const field of refused.fields) {
        byKey.set(field.field, [...(byKey.get(field.field) ?? []), field.message]);
      }
      const unplaced = formRef.current?.showErrors(byKey) ?? [...byKey.keys()];
      const placed = byKey.size - unplaced.length;
      const rest = unplaced.flatMap((key) => byKey.get(key) ?? []);
      setProblem(
        placed > 0 && rest.length === 0
          ? '提交未通过，请按表单中标红处的提示修改后再提交。'
          : [refused.message, ...rest].join('；'),
      );
    },
  });

  const submit = () => {
    setProblem(null);
    const values = schema ? formRef.current?.submit() : {};
    if (values === null || values === undefined) {
      setProblem('表单还有未填或填写有误的项，请按标红处修改后再提交。');
      return;
    }
    setSubmitting(true);
    complete.mutateAsync(submittedValues(values)).then(
      () => setSubmitting(false),
      () => setSubmitting(false),
    );
  };

  if (task.isPending) return <PageLoading />;
  if (task.isError) return <LoadError error={task.error} onRetry={() => void task.refetch()} />;
  const t: Task = task.data;
  const open = t.state === 'open';
  const claimedByOther = open && !!t.claimedBy && t.claimedBy !== me.userId;
  // a step she only sees (e.g. the higher organisation's check of her branch's work)
  const onlySees = open && !t.canAct;
  const readOnly = !open || claimedByOther || onlySees;
  const standard = ledgerItem.data?.standard ?? (elementId ? bpmn.documentation(elementId) : null);
  const who =
    t.assigneeName ?? (t.candidates.length > 0 ? t.candidates.map((c) => c.name).join('、') : '—');

  const header = (
    <Card size="small">
      <Flex vertical gap={8}>
        <Flex gap={8} align="center" wrap>
          {open && <TrafficLight light={t.light} />}
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t.name ?? '未命名步骤'}
          </Typography.Title>
          <Tag color={open ? 'processing' : 'default'}>{STATE_WORDS[t.state] ?? t.state}</Tag>
        </Flex>
        <Descriptions
          size="small"
          column={narrow ? 1 : 2}
          items={[
            { key: 'template', label: '流程', children: t.templateName ?? '—' },
            { key: 'unit', label: '支部', children: t.orgUnitName ?? '—' },
            ...(t.businessKey ? [{ key: 'key', label: '业务编号', children: t.businessKey }] : []),
            {
              key: 'due',
              label: '截止时间',
              children: (
                <Space size={8} wrap>
                  <span>{formatDateTime(t.dueAt)}</span>
                  {open && <DueText dueAt={t.dueAt} overdue={t.overdue} />}
                </Space>
              ),
            },
            { key: 'who', label: '办理人', children: who },
            ...(t.claimedByName
              ? [{ key: 'claimed', label: '认领人', children: t.claimedByName }]
              : []),
            ...(t.completedByName
              ? [
                  {
                    key: 'completed',
                    label: '办结',
                    children: `${t.completedByName} · ${formatDateTime(t.endedAt)}`,
                  },
                ]
              : []),
          ]}
        />
      </Flex>
    </Card>
  );

  const standardCard = (
    <Card size="small" title="工作标准">
      <Typography.Paragraph style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>
        {standard ?? '此步骤未写明工作标准。'}
      </Typography.Paragraph>
    </Card>
  );

  const formCard = done ? (
    <Card>
      <NextSteps instance={done} onInbox={() => void navigate('/inbox')} />
    </Card>
  ) : (
    <Card size="small" title={open ? '填写并提交' : '提交的内容'}>
      {problem && (
        <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
      )}
      {open && t.canAct && !t.claimedBy && !t.assignee && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title="此步骤交由多人办理，可先认领，避免重复办理。"
          action={
            <Button size="small" loading={claim.isPending} onClick={() => claim.mutate()}>
              认领
            </Button>
          }
        />
      )}
      {onlySees && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title={`此步骤由 ${who} 办理，您可以查看，不能办理。`}
        />
      )}
      {claimedByOther && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={`此步骤已由 ${t.claimedByName ?? '他人'} 认领，只有认领人可以办理。`}
        />
      )}
      {schema ? (
        instance.isPending ? (
          <PageLoading />
        ) : (
          <FormViewer ref={formRef} schema={schema} data={formData} disabled={readOnly} />
        )
      ) : (
        <Typography.Paragraph type="secondary">
          此步骤无需填写表单，确认办理后提交即可。
        </Typography.Paragraph>
      )}
      {!readOnly && (
        <Flex gap={8} style={{ marginTop: 12 }} wrap>
          {/* no spinner: its leave animation can outlast the request and its icon's name
              (「loading」) the label; the words say what is happening */}
          <Button type="primary" size="large" onClick={submit} disabled={submitting}>
            {submitting ? '提交中…' : '提交'}
          </Button>
          <Button size="large" onClick={() => void navigate(-1)}>
            返回
          </Button>
        </Flex>
      )}
    </Card>
  );

  const evidenceCard = (
    <Card size="small" title="台账事项与佐证材料">
      {ledgerItemId.isPending || ledgerItem.isLoading ? (
        <Typography.Text type="secondary">加载中…</Typography.Text>
      ) : !ledgerItem.data ? (
        <Typography.Text type="secondary">此步骤没有台账事项。</Typography.Text>
      ) : (
        <Flex vertical gap={8}>
          <Flex gap={8} wrap align="center">
            <TrafficLight light={ledgerItem.data.light} />
            <Link to={`/ledger/items/${ledgerItem.data.id}`}>{ledgerItem.data.title}</Link>
          </Flex>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            责任人：{ledgerItem.data.responsibleName ?? '—'} · 考核部门：
            {ledgerItem.data.assessingUnitName ?? '—'}
          </Typography.Text>
          {requiresEvidence && open && (
            <Alert
              type="warning"
              showIcon
              title={
                requiresEvidence === 'image'
                  ? '此步骤须上传至少一张活动照片后才能提交。'
                  : '此步骤须上传至少一份佐证材料后才能提交。'
              }
            />
          )}
          {attachments.length === 0 ? (
            <Typography.Text type="secondary">尚未上传佐证材料</Typography.Text>
          ) : (
            <Flex vertical gap={8} role="list" aria-label="已上传的佐证材料">
              {attachments.map((a) => {
                const href = `/api/ledger/items/${ledgerItem.data.id}/attachments/${a.id}`;
                return (
                  <Flex key={a.id} role="listitem" gap={8} align="center" style={{ minWidth: 0 }}>
                    {a.contentType.startsWith('image/') && (
                      <Image
                        src={href}
                        alt={a.fileName}
                        width={48}
                        height={48}
                        style={{ objectFit: 'cover' }}
                      />
                    )}
                    <Flex vertical style={{ minWidth: 0 }}>
                      <a href={href} download={a.fileName} style={{ wordBreak: 'break-all' }}>
                        {a.fileName}
                      </a>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatDateTime(a.uploadedAt)} ·{' '}
                        {Math.max(1, Math.round(a.sizeBytes / 1024))} KB
                      </Typography.Text>
                    </Flex>
                  </Flex>
                );
              })}
            </Flex>
          )}
          {(ledgerItem.data.state === 'open' || ledgerItem.data.state === 'in_progress') && (
            <EvidenceUpload
              itemId={ledgerItem.data.id}
              onUploaded={(attachment) => {
                // the new photo is chosen in the evidence field at once
                if (
                  evidenceField &&
                  formRef.current &&
                  (requiresEvidence !== 'image' || attachment.contentType.startsWith('image/'))
                ) {
                  const chosen = formRef.current.values()[evidenceField];
                  const ids: unknown[] = Array.isArray(chosen)
                    ? (chosen as unknown[]).filter((v) => v !== attachment.id)
                    : [];
                  formRef.current.setValue(
                    evidenceField,
                    single ? attachment.id : [...ids, attachment.id],
                  );
                }
                void queryClient.invalidateQueries({
                  queryKey: ['ledger', 'item', ledgerItem.data.id],
                });
              }}
            />
          )}
        </Flex>
      )}
    </Card>
  );

  const diagramCard = (
    <Card size="small" title="流程图（红框为当前步骤）">
      {template.data?.xml ? (
        <Suspense fallback={<PageLoading />}>
          <DiagramViewer
            xml={template.data.xml}
            marks={marks}
            height={narrow ? 300 : 440}
            label={`${t.templateName ?? '流程'}的流程图，当前步骤：${t.name ?? ''}`}
          />
        </Suspense>
      ) : template.isError ? (
        <Typography.Text type="secondary">流程图暂不可用</Typography.Text>
      ) : (
        <PageLoading />
      )}
    </Card>
  );

  const historyCard = (
    <Card size="small" title="办理记录">
      {history.data ? (
        <TaskHistory events={history.data.items} names={bpmn.names} />
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
      <Breadcrumb
        items={[{ title: <Link to="/inbox">我的待办</Link> }, { title: t.name ?? '办理' }]}
      />
      {header}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={15}>
          <Flex vertical gap={12}>
            {standardCard}
            {formCard}
          </Flex>
        </Col>
        <Col xs={24} lg={9}>
          <Flex vertical gap={12}>
            {evidenceCard}
            {historyCard}
          </Flex>
        </Col>
        <Col span={24}>{diagramCard}</Col>
      </Row>
    </Flex>
  );
}
