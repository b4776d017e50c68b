import { FileOutlined } from '@ant-design/icons';
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
  Form,
  Grid,
  Image,
  Input,
  Modal,
  Row,
  Space,
  Tag,
  Timeline,
  Typography,
  message as antMessage,
} from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import { LoadError, NotFound, PageLoading } from '../../app/results';
import { DueText } from '../../components/DueText';
import { EvidenceUpload } from '../../components/EvidenceUpload';
import { formatDateTime } from '../../components/time';
import { TrafficLight } from '../../components/TrafficLight';
import {
  ENTRY_WORDS,
  LIST_WORDS,
  LIVE,
  type LedgerEntry,
  type LedgerItemDetail,
  STATE_COLORS,
  STATE_WORDS,
} from './words';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Attachment = LedgerItemDetail['attachments'][number];
type Action = 'progress' | 'submit' | 'verify' | 'reject' | 'reopen';

const ACTION_TITLES: Record<Action, string> = {
  progress: '报告进展',
  submit: '提交佐证材料',
  verify: '销号',
  reject: '退回',
  reopen: '回头看：重新打开',
};

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function attachmentHref(itemId: string, attachment: Attachment): string {
  return `/api/ledger/items/${itemId}/attachments/${attachment.id}`;
}

/** 佐证材料: photos as thumbnails that open larger, other files as download links. */
function EvidenceList({ item }: { item: LedgerItemDetail }) {
  if (item.attachments.length === 0) {
    return <Typography.Text type="secondary">尚未上传佐证材料</Typography.Text>;
  }
  const photos = item.attachments.filter((a) => a.contentType.startsWith('image/'));
  const files = item.attachments.filter((a) => !a.contentType.startsWith('image/'));
  return (
    <Flex vertical gap={12}>
      {photos.length > 0 && (
        <Image.PreviewGroup>
          <Flex gap={8} wrap role="list" aria-label="照片">
            {photos.map((a) => (
              <figure key={a.id} role="listitem" style={{ margin: 0, width: 112 }}>
                <Image
                  src={attachmentHref(item.id, a)}
                  alt={a.fileName}
                  width={112}
                  height={112}
                  style={{ objectFit: 'cover', borderRadius: 4 }}
                />
                <figcaption
                  style={{ fontSize: 12, wordBreak: 'break-all', lineHeight: 1.4 }}
                  title={`${a.uploadedByName} 上传于 ${formatDateTime(a.uploadedAt)}`}
                >
                  {a.fileName}
                </figcaption>
              </figure>
            ))}
          </Flex>
        </Image.PreviewGroup>
      )}
      {files.length > 0 && (
        <Flex vertical gap={6} role="list" aria-label="文件">
          {files.map((a) => (
            <Flex key={a.id} role="listitem" gap={8} align="start">
              <FileOutlined style={{ marginTop: 4 }} />
              <Flex vertical style={{ minWidth: 0 }}>
                <a
                  href={attachmentHref(item.id, a)}
                  download={a.fileName}
                  style={{ wordBreak: 'break-all' }}
                >
                  {a.fileName}（下载）
                </a>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {a.uploadedByName} · {formatDateTime(a.uploadedAt)} · {sizeText(a.sizeBytes)}
                </Typography.Text>
              </Flex>
            </Flex>
          ))}
        </Flex>
      )}
      {item.attachments.some((a) => a.entryId === null) && LIVE.includes(item.state) && (
        <Typography.Text type="secondary" style={{ fontSize: 13 }}>
          尚未提交的材料：{' '}
          {item.attachments
            .filter((a) => a.entryId === null)
            .map((a) => a.fileName)
            .join('、')}
          （提交时一并提交）
        </Typography.Text>
      )}
    </Flex>
  );
}

/** What an entry says beyond its kind: the reason, the note, the files, the escalation. */
function entryDetail(entry: LedgerEntry, item: LedgerItemDetail): string[] {
  const lines: string[] = [];
  if (entry.kind === 'rejected' && entry.note) lines.push(`退回原因：${entry.note}`);
  else if (entry.kind === 'reopened' && entry.note) lines.push(`原因：${entry.note}`);
  else if (entry.kind === 'closed' && entry.note) lines.push(`销号意见：${entry.note}`);
  else if (entry.note) lines.push(`说明：${entry.note}`);
  if (entry.kind === 'submitted') {
    const files = item.attachments.filter((a) => a.entryId === entry.id);
    if (files.length > 0) lines.push(`佐证材料：${files.map((a) => a.fileName).join('、')}`);
  }
  if (entry.kind === 'closed' && typeof entry.data.onTime === 'boolean') {
    lines.push(entry.data.onTime ? '按期完成' : '逾期完成');
  }
  if (entry.kind === 'reopened' && typeof entry.data.dueAt === 'string') {
    lines.push(`新的完成时间：${formatDateTime(entry.data.dueAt)}`);
  }
  if (entry.kind === 'escalated' && entry.escalatedToName) {
    const times =
      typeof entry.data.escalations === 'number' ? `（第 ${entry.data.escalations} 次）` : '';
    lines.push(`督办至 ${entry.escalatedToName}${times}`);
  }
  return lines;
}

/** 台账记录: who did what when, by name, in Asia/Shanghai time. */
function EntriesTimeline({ item }: { item: LedgerItemDetail }) {
  if (item.entries.length === 0) return <Empty description="暂无记录" />;
  return (
    <Timeline
      items={item.entries.map((entry) => {
        const { label, color } = ENTRY_WORDS[entry.kind];
        return {
          key: entry.id,
          color,
          content: (
            <div data-entry-kind={entry.kind}>
              <Typography.Text strong>{label}</Typography.Text>
              <div>
                <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                  {entry.actorName} · {formatDateTime(entry.at)}
                </Typography.Text>
              </div>
              {entryDetail(entry, item).map((line) => (
                <Typography.Paragraph
                  key={line}
                  style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}
                >
                  {line}
                </Typography.Paragraph>
              ))}
            </div>
          ),
        };
      })}
    />
  );
}

interface ActionValues {
  text?: string;
  dueAt?: string;
}

/** The modal of one step: its text (a reason where one is required) and, for 回头看, a due time. */
function ActionModal({
  action,
  item,
  onClose,
  onDone,
}: {
  action: Action | null;
  item: LedgerItemDetail;
  onClose: () => void;
  onDone: (updated: LedgerItemDetail, action: Action) => void;
}) {
  const [form] = Form.useForm<ActionValues>();
  const [problem, setProblem] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: async ({ step, values }: { step: Action; values: ActionValues }) => {
      const path = { params: { path: { id: item.id } } };
      const text = values.text?.trim() || undefined;
      switch (step) {
        case 'progress':
          return must(
            await api.POST('/api/ledger/items/{id}/progress', {
              ...path,
              body: { note: text ?? '' },
            }),
          );
        case 'submit':
          return must(
            await api.POST('/api/ledger/items/{id}/submit', { ...path, body: { note: text } }),
          );
        case 'verify':
          return must(
            await api.POST('/api/ledger/items/{id}/verify', { ...path, body: { note: text } }),
          );
        case 'reject':
          return must(
            await api.POST('/api/ledger/items/{id}/reject', {
              ...path,
              body: { reason: text ?? '' },
            }),
          );
        case 'reopen':
          return must(
            await api.POST('/api/ledger/items/{id}/reopen', {
              ...path,
              body: {
                reason: text ?? '',
                dueAt: values.dueAt ? `${values.dueAt}:00+08:00` : undefined,
              },
            }),
          );
      }
    },
    onSuccess: (updated, { step }) => {
      form.resetFields();
      setProblem(null);
      onDone(updated, step);
    },
    onError: (error) => {
      const refused = asApiError(error);
      const onText = refused.fields.filter((f) => ['reason', 'note'].includes(f.field));
      if (onText.length > 0)
        form.setFields([{ name: 'text', errors: onText.map((f) => f.message) }]);
      setProblem(refused.message);
    },
  });
  if (action === null) return null;
  const reasonRequired = action === 'reject' || action === 'reopen' || action === 'progress';
  const pending = item.attachments.filter((a) => a.entryId === null);
  const textLabel =
    action === 'reject'
      ? '退回原因'
      : action === 'progress'
        ? '进展情况'
        : action === 'reopen'
          ? '回头看发现的问题（原因）'
          : action === 'verify'
            ? '销号意见（选填）'
            : '情况说明';
  const submit = async () => {
    setProblem(null);
    try {
      const values = await form.validateFields();
      run.mutate({ step: action, values });
    } catch {
      // the field says what is missing
    }
  };
  return (
    <Modal
      open
      title={`${ACTION_TITLES[action]}：${item.title}`}
      okText={run.isPending ? '提交中…' : `确认${ACTION_TITLES[action].split('：')[0]}`}
      cancelText="取消"
      okButtonProps={{ disabled: run.isPending, danger: action === 'reject' }}
      onOk={() => void submit()}
      onCancel={() => {
        form.resetFields();
        setProblem(null);
        onClose();
      }}
      destroyOnHidden
    >
      {problem && (
        <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
      )}
      {action === 'submit' && (
        <Typography.Paragraph>
          {pending.length > 0
            ? `将一并提交 ${pending.length} 份佐证材料：${pending.map((a) => a.fileName).join('、')}。`
            : '尚未上传佐证材料：请填写情况说明，或先上传照片、扫描件等材料。'}
        </Typography.Paragraph>
      )}
      {action === 'verify' && (
        <Typography.Paragraph>核实佐证材料符合工作标准后销号。</Typography.Paragraph>
      )}
      <Form form={form} layout="vertical">
        <Form.Item
          name="text"
          label={textLabel}
          rules={[
            ...(reasonRequired
              ? [
                  {
                    required: true,
                    whitespace: true,
                    message: `请填写${textLabel.replace(/（.*）/, '')}`,
                  },
                ]
              : []),
            { max: 5000, message: '最多 5000 个字' },
          ]}
        >
          <Input.TextArea rows={4} />
        </Form.Item>
        {action === 'reopen' && (
          <Form.Item name="dueAt" label="新的完成时间（选填）">
            <Input type="datetime-local" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** `/ledger/items/:id`: one item — its 四个明确, its life, its evidence, and the steps allowed. */
export default function LedgerItemPage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const screens = Grid.useBreakpoint();
  const narrow = screens.lg === false;
  const [action, setAction] = useState<Action | null>(null);
  const item = useQuery({
    queryKey: ['ledger', 'item', id],
    enabled: UUID.test(id),
    queryFn: async () =>
      must(await api.GET('/api/ledger/items/{id}', { params: { path: { id } } })),
  });

  // an address that names no item (not even an id) is as missing as an unknown one
  if (!UUID.test(id)) return <NotFound />;
  if (item.isPending) return <PageLoading />;
  if (item.isError) return <LoadError error={item.error} onRetry={() => void item.refetch()} />;
  const it = item.data;
  const working = it.state === 'open' || it.state === 'in_progress';
  // a task's item is submitted by completing its task (the api refuses it here before)
  const taskOpen = it.source === 'task' && working && it.submittedAt === null;
  const actions: Action[] = [
    ...(it.canRespond && working && !taskOpen ? (['submit'] as const) : []),
    ...(it.canRespond && working ? (['progress'] as const) : []),
    ...(it.canSupervise && it.state === 'submitted' ? (['verify', 'reject'] as const) : []),
    ...(it.canSupervise && it.state === 'closed' ? (['reopen'] as const) : []),
  ];

  const header = (
    <Card size="small">
      <Flex vertical gap={8}>
        <Flex gap={8} align="center" wrap>
          <TrafficLight light={it.light} />
          <Typography.Title level={3} style={{ margin: 0, wordBreak: 'break-word' }}>
            {it.title}
          </Typography.Title>
          <Tag color={STATE_COLORS[it.state]}>{STATE_WORDS[it.state]}</Tag>
          <Tag>{LIST_WORDS[it.list]}</Tag>
        </Flex>
        <Descriptions
          size="small"
          column={narrow ? 1 : 2}
          items={[
            { key: 'unit', label: '责任单位', children: it.orgUnitName ?? '—' },
            { key: 'who', label: '责任人', children: it.responsibleName ?? '—' },
            {
              key: 'due',
              label: '完成时间',
              children: (
                <Space size={8} wrap>
                  <span>{formatDateTime(it.dueAt)}</span>
                  {working && <DueText dueAt={it.dueAt} overdue={it.overdue} />}
                </Space>
              ),
            },
            { key: 'assessing', label: '考核部门', children: it.assessingUnitName ?? '—' },
            {
              key: 'opened',
              label: '挂账人',
              children: `${it.createdByName} · ${formatDateTime(it.createdAt)}`,
            },
            ...(it.submittedAt
              ? [{ key: 'submitted', label: '最近提交', children: formatDateTime(it.submittedAt) }]
              : []),
            ...(it.closedAt
              ? [
                  {
                    key: 'closed',
                    label: '销号人',
                    children: `${it.closedByName ?? '—'} · ${formatDateTime(it.closedAt)}`,
                  },
                ]
              : []),
            ...(it.escalations > 0
              ? [
                  {
                    key: 'escalated',
                    label: '督办',
                    children: `${it.escalations} 次${it.escalatedToName ? `，最近督办至 ${it.escalatedToName}` : ''}`,
                  },
                ]
              : []),
            ...(it.reopened > 0
              ? [{ key: 'reopened', label: '回头看', children: `重新打开 ${it.reopened} 次` }]
              : []),
            ...(it.templateName
              ? [{ key: 'template', label: '所属流程', children: it.templateName }]
              : []),
            ...(it.taskId
              ? [
                  {
                    key: 'task',
                    label: '关联步骤',
                    children: <Link to={`/tasks/${it.taskId}`}>查看流程步骤</Link>,
                  },
                ]
              : []),
            ...(it.instanceId
              ? [
                  {
                    key: 'instance',
                    label: '流程实例',
                    children: <Link to={`/instances/${it.instanceId}`}>查看流程实例</Link>,
                  },
                ]
              : []),
          ]}
        />
      </Flex>
    </Card>
  );

  const actionsCard = (
    <Card size="small" title="办理">
      <Flex vertical gap={8}>
        {taskOpen && it.canRespond && (
          <Alert
            type="info"
            showIcon
            title="此事项随流程步骤办理：办结该步骤即提交。"
            action={
              it.taskId ? (
                <Link to={`/tasks/${it.taskId}`}>
                  <Button size="small">去办理</Button>
                </Link>
              ) : undefined
            }
          />
        )}
        {actions.length > 0 ? (
          <Flex gap={8} wrap>
            {actions.map((a) => (
              <Button
                key={a}
                type={a === 'verify' || a === 'submit' ? 'primary' : 'default'}
                danger={a === 'reject'}
                onClick={() => setAction(a)}
              >
                {a === 'submit' ? '提交' : a === 'reopen' ? '回头看' : ACTION_TITLES[a]}
              </Button>
            ))}
          </Flex>
        ) : (
          !taskOpen && (
            <Typography.Text type="secondary">
              {it.state === 'submitted' && !it.canSupervise
                ? '已提交，等待上级党组织核实销号。'
                : it.state === 'closed'
                  ? '此事项已销号。'
                  : it.state === 'cancelled'
                    ? '此事项所属的流程步骤已取消，无需办理。'
                    : working && it.canSupervise
                      ? '等待责任单位整改并提交佐证材料。'
                      : '您可以查看此事项，不能办理。'}
            </Typography.Text>
          )
        )}
      </Flex>
    </Card>
  );

  const evidenceCard = (
    <Card size="small" title="佐证材料">
      <Flex vertical gap={12}>
        <EvidenceList item={it} />
        {it.canRespond && working && (
          <EvidenceUpload
            itemId={it.id}
            onUploaded={() =>
              void queryClient.invalidateQueries({ queryKey: ['ledger', 'item', id] })
            }
          />
        )}
      </Flex>
    </Card>
  );

  const standardCard = (
    <Card size="small" title="工作标准">
      <Typography.Paragraph style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>
        {it.standard ?? '未写明工作标准。'}
      </Typography.Paragraph>
    </Card>
  );

  return (
    <Flex vertical gap={12} style={{ maxWidth: 1200 }}>
      {messageHolder}
      <Breadcrumb items={[{ title: <Link to="/ledger">台账</Link> }, { title: it.title }]} />
      {header}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={14}>
          <Flex vertical gap={12}>
            {standardCard}
            {actionsCard}
            {evidenceCard}
          </Flex>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title="台账记录">
            <EntriesTimeline item={it} />
          </Card>
        </Col>
      </Row>
      <ActionModal
        action={action}
        item={it}
        onClose={() => setAction(null)}
        onDone={(updated, step) => {
          setAction(null);
          queryClient.setQueryData(['ledger', 'item', id], updated);
          void queryClient.invalidateQueries({ queryKey: ['ledger', 'list'] });
          void message.success(
            step === 'progress'
              ? '已报告进展'
              : step === 'submit'
                ? '已提交，等待上级党组织核实销号'
                : step === 'verify'
                  ? '已销号'
                  : step === 'reject'
                    ? '已退回责任单位'
                    : '已重新打开，责任单位需再次整改',
          );
        }}
      />
    </Flex>
  );
}
