import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  message,
} from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { LoadError } from '../../app/results';
import { problemText } from './problem';
import { UnitPicker } from './UnitPicker';
import {
  GENDER_NAMES,
  type Member,
  type MemberStatus,
  STATUS_COLORS,
  STATUS_NAMES,
  STATUS_OPTIONS,
  type Unit,
  dateWords,
  politicalBirthday,
} from './words';
import { pageParam, withChanges } from '../../components/urlParams';

const PAGE_SIZE = 20;
const MASKED = /\*/;

interface MemberValues {
  name: string;
  gender?: 'male' | 'female' | null;
  status?: MemberStatus;
  birthDate?: string;
  admissionDate?: string;
  fullMemberDate?: string;
  partyNumber?: string;
  phone?: string;
}

type Dialog =
  | { kind: 'create' }
  | { kind: 'edit'; member: Member }
  | { kind: 'transfer'; member: Member }
  | { kind: 'status'; member: Member }
  | null;

const orNull = (value: string | undefined | null) =>
  value === undefined || value === null || value.trim() === '' ? null : value.trim();

/** The 党员 tab: the unit's members (its subtree), paged by the api, searched by name or 党员编号. */
export function MembersTab({ unit }: { unit: Unit }) {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? undefined) as MemberStatus | undefined;
  const page = pageParam(params);
  const [typed, setTyped] = useState(q);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [messageApi, holder] = message.useMessage();
  const [memberForm] = Form.useForm<MemberValues>();
  const [transferForm] = Form.useForm<{ toOrgUnitId: string; reason: string }>();
  const [statusForm] = Form.useForm<{ status: MemberStatus; reason: string }>();
  const queryClient = useQueryClient();

  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));

  const members = useQuery({
    queryKey: ['members', unit.id, q, status, page],
    queryFn: async () =>
      must(
        await api.GET('/api/members', {
          params: {
            query: {
              orgUnitId: unit.id,
              q: q || undefined,
              status: status ? [status] : undefined,
              page,
              pageSize: PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });

  const open = (next: NonNullable<Dialog>) => {
    setProblem(null);
    if (next.kind === 'create') {
      memberForm.resetFields();
      memberForm.setFieldsValue({ status: 'full' });
    }
    if (next.kind === 'edit') {
      const m = next.member;
      memberForm.resetFields();
      memberForm.setFieldsValue({
        name: m.name,
        gender: m.gender,
        birthDate: m.birthDate ?? undefined,
        admissionDate: m.admissionDate ?? undefined,
        fullMemberDate: m.fullMemberDate ?? undefined,
        partyNumber: m.partyNumber ?? undefined,
        phone: m.phone ?? undefined,
      });
    }
    if (next.kind === 'transfer') transferForm.resetFields();
    if (next.kind === 'status') {
      statusForm.resetFields();
      statusForm.setFieldsValue({ status: next.member.status });
    }
    setDialog(next);
  };
  const finished = async (text: string) => {
    setDialog(null);
    void messageApi.success(text);
    await queryClient.invalidateQueries({ queryKey: ['members'] });
  };

  const save = useMutation({
    mutationFn: async (values: MemberValues) => {
      const fields = {
        gender: values.gender ?? null,
        birthDate: orNull(values.birthDate),
        admissionDate: orNull(values.admissionDate),
        fullMemberDate: orNull(values.fullMemberDate),
        partyNumber: orNull(values.partyNumber),
      };
      if (dialog?.kind === 'edit') {
        const phone =
          values.phone && MASKED.test(values.phone) ? {} : { phone: orNull(values.phone) };
        return must(
          await api.PATCH('/api/members/{id}', {
            params: { path: { id: dialog.member.id } },
            body: { ...fields, ...phone, name: values.name, version: dialog.member.version },
          }),
        );
      }
      return must(
        await api.POST('/api/members', {
          body: {
            ...fields,
            phone: orNull(values.phone),
            name: values.name,
            status: values.status ?? 'full',
            orgUnitId: unit.id,
          },
        }),
      );
    },
    onSuccess: (member) =>
      finished(dialog?.kind === 'edit' ? `已保存${member.name}的信息` : `已新增党员${member.name}`),
    onError: (error) => setProblem(problemText(error)),
  });
  const transfer = useMutation({
    mutationFn: async (values: { toOrgUnitId: string; reason: string }) => {
      if (dialog?.kind !== 'transfer') throw new Error('no member');
      return must(
        await api.POST('/api/members/{id}/transfer', {
          params: { path: { id: dialog.member.id } },
          body: { ...values, version: dialog.member.version },
        }),
      );
    },
    onSuccess: (member) => finished(`${member.name}的组织关系已转接到${member.orgUnitName}`),
    onError: (error) => setProblem(problemText(error)),
  });
  const changeStatus = useMutation({
    mutationFn: async (values: { status: MemberStatus; reason: string }) => {
      if (dialog?.kind !== 'status') throw new Error('no member');
      return must(
        await api.POST('/api/members/{id}/status', {
          params: { path: { id: dialog.member.id } },
          body: { ...values, version: dialog.member.version },
        }),
      );
    },
    onSuccess: (member) => finished(`${member.name}的状态已改为${STATUS_NAMES[member.status]}`),
    onError: (error) => setProblem(problemText(error)),
  });

  const refusal = problem && (
    <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
  );
  const editing = dialog?.kind === 'edit' || dialog?.kind === 'create';
  const who = dialog && dialog.kind !== 'create' ? dialog.member.name : '';

  return (
    <div>
      {holder}
      <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
        <Input.Search
          aria-label="按姓名或党员编号查找"
          placeholder="姓名或党员编号"
          allowClear
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          onSearch={(value) => set({ q: value.trim() || undefined })}
          style={{ width: 240 }}
          enterButton="查找"
        />
        <Select
          aria-label="状态"
          placeholder="全部状态"
          allowClear
          style={{ width: 160 }}
          value={status}
          options={STATUS_OPTIONS}
          onChange={(value?: string) => set({ status: value })}
        />
        <div style={{ flex: 1 }} />
        <Button
          type="primary"
          disabled={unit.closedAt !== null}
          onClick={() => open({ kind: 'create' })}
        >
          新增党员
        </Button>
      </Flex>
      {members.isError ? (
        <LoadError error={members.error} onRetry={() => void members.refetch()} />
      ) : (
        <Table<Member>
          rowKey="id"
          size="middle"
          loading={members.isFetching}
          dataSource={members.data?.items ?? []}
          scroll={{ x: 812 }}
          locale={{ emptyText: q || status ? '没有符合条件的党员' : '该党组织还没有党员' }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: members.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => `共 ${total} 人`,
            onChange: (next) => set({ page: next === 1 ? undefined : String(next) }),
          }}
          columns={[
            {
              title: '姓名',
              dataIndex: 'name',
              width: 100,
              render: (name: string, member) => (
                <Flex vertical>
                  <span>{name}</span>
                  {member.orgUnitId !== unit.id && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {member.orgUnitName}
                    </Typography.Text>
                  )}
                </Flex>
              ),
            },
            {
              title: '性别',
              dataIndex: 'gender',
              width: 50,
              render: (gender: Member['gender']) => (gender ? GENDER_NAMES[gender] : '—'),
            },
            {
              title: '状态',
              dataIndex: 'status',
              width: 104,
              render: (value: MemberStatus) => (
                <Tag color={STATUS_COLORS[value]}>{STATUS_NAMES[value]}</Tag>
              ),
            },
            { title: '出生日期', dataIndex: 'birthDate', width: 100, render: dateWords },
            { title: '入党日期', dataIndex: 'admissionDate', width: 100, render: dateWords },
            {
              title: '入党纪念日',
              dataIndex: 'admissionDate',
              key: 'birthday',
              width: 88,
              render: politicalBirthday,
            },
            {
              title: '联系电话',
              dataIndex: 'phone',
              width: 120,
              render: (v: string | null) => v ?? '—',
            },
            {
              title: '操作',
              key: 'actions',
              fixed: 'right',
              width: 150,
              render: (_, member) => (
                <Space size={0} wrap>
                  <Button type="link" size="small" onClick={() => open({ kind: 'edit', member })}>
                    编辑
                  </Button>
                  <Button
                    type="link"
                    size="small"
                    disabled={member.status === 'cancelled'}
                    onClick={() => open({ kind: 'transfer', member })}
                  >
                    转接
                  </Button>
                  <Button type="link" size="small" onClick={() => open({ kind: 'status', member })}>
                    变更状态
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      )}

      <Modal
        title={dialog?.kind === 'edit' ? `编辑党员：${who}` : `新增党员（${unit.name}）`}
        open={editing}
        okText={save.isPending ? '提交中…' : '保存'}
        cancelText="取消"
        okButtonProps={{ disabled: save.isPending }}
        onOk={() => memberForm.submit()}
        onCancel={() => setDialog(null)}
        forceRender
      >
        {refusal}
        <Form
          form={memberForm}
          name="member"
          layout="vertical"
          onFinish={(values) => save.mutate(values)}
          requiredMark="optional"
        >
          <Form.Item
            name="name"
            label="姓名"
            rules={[{ required: true, whitespace: true, message: '请填写姓名' }, { max: 64 }]}
          >
            <Input maxLength={64} />
          </Form.Item>
          <Flex gap={12} wrap>
            <Form.Item name="gender" label="性别" style={{ minWidth: 120 }}>
              <Select
                allowClear
                placeholder="未填写"
                options={[
                  { value: 'male', label: '男' },
                  { value: 'female', label: '女' },
                ]}
              />
            </Form.Item>
            {dialog?.kind === 'create' && (
              <Form.Item
                name="status"
                label="人员类别"
                rules={[{ required: true, message: '请选择人员类别' }]}
                style={{ minWidth: 180 }}
              >
                <Select options={STATUS_OPTIONS.filter((o) => o.value !== 'cancelled')} />
              </Form.Item>
            )}
          </Flex>
          <Flex gap={12} wrap>
            <Form.Item name="birthDate" label="出生日期">
              <Input type="date" />
            </Form.Item>
            <Form.Item name="admissionDate" label="入党日期">
              <Input type="date" />
            </Form.Item>
            <Form.Item name="fullMemberDate" label="转正日期">
              <Input type="date" />
            </Form.Item>
          </Flex>
          <Flex gap={12} wrap>
            <Form.Item
              name="partyNumber"
              label="党员编号"
              rules={[{ pattern: /^[0-9A-Za-z-]{1,64}$/, message: '党员编号为字母、数字或 -' }]}
            >
              <Input maxLength={64} />
            </Form.Item>
            <Form.Item
              name="phone"
              label="联系电话"
              rules={[
                { pattern: /^[+0-9*][0-9*-]{2,31}$/, message: '联系电话只能包含数字、+ 和 -' },
              ]}
            >
              <Input maxLength={32} inputMode="tel" />
            </Form.Item>
          </Flex>
        </Form>
      </Modal>

      <Modal
        title={`组织关系转接：${who}`}
        open={dialog?.kind === 'transfer'}
        okText={transfer.isPending ? '提交中…' : '转接'}
        cancelText="取消"
        okButtonProps={{ disabled: transfer.isPending }}
        onOk={() => transferForm.submit()}
        onCancel={() => setDialog(null)}
        forceRender
      >
        {refusal}
        <Form
          form={transferForm}
          name="transfer"
          layout="vertical"
          onFinish={(values) => transfer.mutate(values)}
        >
          <Form.Item
            name="toOrgUnitId"
            label="转入党组织"
            rules={[{ required: true, message: '请选择转入的党组织' }]}
          >
            <UnitPicker
              exclude={(candidate) =>
                dialog?.kind === 'transfer' && candidate.id === dialog.member.orgUnitId
              }
            />
          </Form.Item>
          <Form.Item
            name="reason"
            label="转接原因"
            rules={[{ required: true, whitespace: true, message: '请填写转接原因' }, { max: 500 }]}
          >
            <Input.TextArea rows={3} maxLength={500} placeholder="如：工作调动" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={`变更状态：${who}`}
        open={dialog?.kind === 'status'}
        okText={changeStatus.isPending ? '提交中…' : '变更'}
        cancelText="取消"
        okButtonProps={{ disabled: changeStatus.isPending }}
        onOk={() => statusForm.submit()}
        onCancel={() => setDialog(null)}
        forceRender
      >
        {refusal}
        <Typography.Paragraph type="secondary">
          状态通常由发展党员等流程自动变更；手工变更须填写原因，并记入审计记录。
        </Typography.Paragraph>
        <Form
          form={statusForm}
          name="memberStatus"
          layout="vertical"
          onFinish={(values) => changeStatus.mutate(values)}
        >
          <Form.Item
            name="status"
            label="新状态"
            rules={[{ required: true, message: '请选择新状态' }]}
          >
            <Select options={STATUS_OPTIONS} />
          </Form.Item>
          <Form.Item
            name="reason"
            label="变更原因"
            rules={[{ required: true, whitespace: true, message: '请填写变更原因' }, { max: 500 }]}
          >
            <Input.TextArea rows={3} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
