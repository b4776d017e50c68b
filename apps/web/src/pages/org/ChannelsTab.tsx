import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Flex,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Table,
  Tag,
  Typography,
  message,
} from 'antd';
import { useState } from 'react';
import { api, must } from '../../api/client';
import type { components } from '../../api/schema';
import { LoadError } from '../../app/results';
import { formatDateTime } from '../../components/time';
import { problemText } from './problem';
import type { Unit } from './words';

type Channel = components['schemas']['ChannelDto'];
type Delivery = components['schemas']['ChannelDeliveryDto'];
type Kind = Channel['kind'];

const KIND_NAMES: Record<Kind, string> = { wecom: '企业微信群机器人', dingtalk: '钉钉群机器人' };
const DELIVERY_STATES: Record<string, { label: string; color: string }> = {
  pending: { label: '待发送', color: 'default' },
  retrying: { label: '重试中', color: 'orange' },
  sent: { label: '已送达', color: 'green' },
  failed: { label: '发送失败', color: 'red' },
};

interface CreateValues {
  kind: Kind;
  name: string;
  url: string;
  secret?: string;
}

function Deliveries({ unit, channel }: { unit: Unit; channel: Channel }) {
  const deliveries = useQuery({
    queryKey: ['channels', unit.id, channel.id, 'deliveries'],
    queryFn: async () =>
      must(
        await api.GET('/api/org-units/{id}/channels/{channelId}/deliveries', {
          params: { path: { id: unit.id, channelId: channel.id } },
        }),
      ),
  });
  if (deliveries.isError) {
    return <LoadError error={deliveries.error} onRetry={() => void deliveries.refetch()} />;
  }
  return (
    <Table<Delivery>
      rowKey="id"
      size="small"
      loading={deliveries.isPending}
      dataSource={deliveries.data?.items ?? []}
      pagination={false}
      locale={{ emptyText: '还没有通过此渠道发送过通知' }}
      aria-label={`${channel.name}的发送记录`}
      columns={[
        {
          title: '状态',
          dataIndex: 'state',
          width: 100,
          render: (state: string) => {
            const known = DELIVERY_STATES[state] ?? { label: state, color: 'default' };
            return <Tag color={known.color}>{known.label}</Tag>;
          },
        },
        { title: '尝试次数', dataIndex: 'attempts', width: 90 },
        {
          title: '时间',
          key: 'at',
          width: 160,
          render: (_, d) => formatDateTime(d.sentAt ?? d.updatedAt),
        },
        {
          title: '渠道应答',
          dataIndex: 'answer',
          render: (answer: string | null) => (
            <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
              {answer ?? '—'}
            </Typography.Text>
          ),
        },
      ]}
    />
  );
}

/**
 * The 通知渠道 tab: the unit's WeCom / DingTalk group robots. The robot URL's key and the 加签
 * secret are never shown back (the api masks them); 测试发送 says what the channel answered.
 */
export function ChannelsTab({ unit }: { unit: Unit }) {
  const [adding, setAdding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [tested, setTested] = useState<Record<string, { ok: boolean; answer: string }>>({});
  const [messageApi, holder] = message.useMessage();
  const [form] = Form.useForm<CreateValues>();
  const kind = Form.useWatch('kind', form);
  const queryClient = useQueryClient();

  const channels = useQuery({
    queryKey: ['channels', unit.id],
    queryFn: async () =>
      must(await api.GET('/api/org-units/{id}/channels', { params: { path: { id: unit.id } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['channels', unit.id] });

  const create = useMutation({
    mutationFn: async (values: CreateValues) =>
      must(
        await api.POST('/api/org-units/{id}/channels', {
          params: { path: { id: unit.id } },
          body: {
            kind: values.kind,
            name: values.name.trim(),
            url: values.url.trim(),
            secret: values.kind === 'dingtalk' && values.secret ? values.secret : undefined,
            enabled: true,
          },
        }),
      ),
    onSuccess: async (channel) => {
      setAdding(false);
      void messageApi.success(`已添加通知渠道「${channel.name}」`);
      await refresh();
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const test = useMutation({
    mutationFn: async (channel: Channel) =>
      must(
        await api.POST('/api/org-units/{id}/channels/{channelId}/test', {
          params: { path: { id: unit.id, channelId: channel.id } },
        }),
      ),
    onSuccess: (answer, channel) => {
      setTested((current) => ({ ...current, [channel.id]: answer }));
      void queryClient.invalidateQueries({ queryKey: ['channels', unit.id, channel.id] });
    },
    onError: (error, channel) =>
      setTested((current) => ({
        ...current,
        [channel.id]: { ok: false, answer: problemText(error) },
      })),
  });
  const remove = useMutation({
    mutationFn: async (channel: Channel) =>
      must(
        await api.DELETE('/api/org-units/{id}/channels/{channelId}', {
          params: {
            path: { id: unit.id, channelId: channel.id },
            query: { version: channel.version },
          },
        }),
      ),
    onSuccess: async (_, channel) => {
      void messageApi.success(`已删除通知渠道「${channel.name}」`);
      await refresh();
    },
    onError: (error) => void messageApi.error(problemText(error)),
  });

  return (
    <div>
      {holder}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary">
          本党组织的待办提醒、逾期督办等通知会同时发到这些群机器人。
        </Typography.Text>
        <Button
          type="primary"
          onClick={() => {
            setProblem(null);
            form.resetFields();
            form.setFieldsValue({ kind: 'wecom' });
            setAdding(true);
          }}
        >
          添加渠道
        </Button>
      </Flex>
      {channels.isError ? (
        <LoadError error={channels.error} onRetry={() => void channels.refetch()} />
      ) : (
        <Table<Channel>
          rowKey="id"
          size="middle"
          loading={channels.isPending}
          dataSource={channels.data?.items ?? []}
          pagination={false}
          locale={{ emptyText: '还没有通知渠道：添加企业微信或钉钉群机器人后，通知会同时发到群里' }}
          expandable={{
            expandedRowRender: (channel) => <Deliveries unit={unit} channel={channel} />,
            expandRowByClick: false,
            columnTitle: '发送记录',
            columnWidth: 80,
          }}
          columns={[
            {
              title: '名称',
              dataIndex: 'name',
              width: 170,
              render: (name: string, channel) => (
                <Flex vertical>
                  <span>{name}</span>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {KIND_NAMES[channel.kind]}
                  </Typography.Text>
                </Flex>
              ),
            },
            {
              title: '地址',
              dataIndex: 'url',
              render: (url: string, channel) => (
                <Flex vertical>
                  <Typography.Text style={{ wordBreak: 'break-all' }}>{url}</Typography.Text>
                  {channel.signed && (
                    <Typography.Text type="secondary">已设置加签密钥</Typography.Text>
                  )}
                </Flex>
              ),
            },
            {
              title: '状态',
              dataIndex: 'enabled',
              width: 80,
              render: (enabled: boolean) =>
                enabled ? <Tag color="green">启用</Tag> : <Tag>停用</Tag>,
            },
            {
              title: '测试',
              key: 'test',
              width: 260,
              render: (_, channel) => {
                const answer = tested[channel.id];
                return (
                  <Flex vertical gap={4} align="flex-start">
                    <Button
                      size="small"
                      disabled={test.isPending && test.variables?.id === channel.id}
                      onClick={() => test.mutate(channel)}
                    >
                      {test.isPending && test.variables?.id === channel.id ? '发送中…' : '测试发送'}
                    </Button>
                    {answer && (
                      <Alert
                        role="status"
                        type={answer.ok ? 'success' : 'error'}
                        showIcon
                        style={{ padding: '2px 8px' }}
                        title={answer.ok ? '发送成功' : '发送失败'}
                        description={
                          <span style={{ wordBreak: 'break-all' }}>渠道应答：{answer.answer}</span>
                        }
                      />
                    )}
                  </Flex>
                );
              },
            },
            {
              title: '操作',
              key: 'actions',
              width: 72,
              render: (_, channel) => (
                <Popconfirm
                  title={`删除通知渠道「${channel.name}」？已有的发送记录会保留。`}
                  okText="删除"
                  okButtonProps={{ danger: true }}
                  cancelText="取消"
                  onConfirm={() => remove.mutate(channel)}
                >
                  <Button type="link" size="small" danger>
                    删除
                  </Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      )}

      <Modal
        title={`添加通知渠道（${unit.name}）`}
        open={adding}
        okText={create.isPending ? '提交中…' : '添加'}
        cancelText="取消"
        okButtonProps={{ disabled: create.isPending }}
        onOk={() => form.submit()}
        onCancel={() => setAdding(false)}
        forceRender
      >
        {problem && (
          <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
        )}
        <Form
          form={form}
          name="channel"
          layout="vertical"
          onFinish={(values) => create.mutate(values)}
          requiredMark="optional"
        >
          <Form.Item name="kind" label="类型" rules={[{ required: true, message: '请选择类型' }]}>
            <Select
              options={(Object.keys(KIND_NAMES) as Kind[]).map((value) => ({
                value,
                label: KIND_NAMES[value],
              }))}
            />
          </Form.Item>
          <Form.Item
            name="name"
            label="名称"
            rules={[{ required: true, whitespace: true, message: '请填写名称' }, { max: 64 }]}
          >
            <Input maxLength={64} placeholder="如：第一支部工作群" />
          </Form.Item>
          <Form.Item
            name="url"
            label="机器人地址（Webhook）"
            extra="在群设置的群机器人中复制，以 https:// 开头。保存后地址中的密钥不再显示。"
            rules={[{ required: true, whitespace: true, message: '请填写机器人地址' }]}
          >
            <Input maxLength={1024} autoComplete="off" />
          </Form.Item>
          {kind === 'dingtalk' && (
            <Form.Item
              name="secret"
              label="加签密钥（可选）"
              extra="钉钉机器人安全设置中的“加签”密钥（SEC 开头）；保存后不再显示。"
              rules={[{ pattern: /^[\x21-\x7e]+$/, message: '密钥不能包含空格或中文' }]}
            >
              <Input.Password autoComplete="new-password" maxLength={256} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </div>
  );
}
