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
  Space,
  Table,
  Tag,
  Typography,
  message,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import type { components } from '../../api/schema';
import { ROLE_NAMES, type Role } from '../../app/auth';
import { LoadError } from '../../app/results';
import { problemText } from './problem';
import type { Unit } from './words';
import { pageParam } from '../../components/urlParams';

type User = components['schemas']['UserDto'];
const PAGE_SIZE = 20;

function roleName(role: string): string {
  return ROLE_NAMES[role as Role] ?? role;
}
const ROLE_OPTIONS = (Object.keys(ROLE_NAMES) as Role[]).map((value) => ({
  value,
  label: ROLE_NAMES[value],
}));

interface CreateValues {
  loginName: string;
  name: string;
  memberId?: string;
  role?: Role;
  password?: string;
}

/** A member of the unit chosen by name (for the user who is that member). */
function MemberPicker({
  id,
  unit,
  value,
  onChange,
  onPicked,
}: {
  id?: string;
  unit: Unit;
  value?: string;
  onChange?: (value: string | undefined) => void;
  onPicked?: (name: string | undefined) => void;
}) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearch(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const found = useQuery({
    queryKey: ['members', unit.id, 'pick', search],
    queryFn: async () =>
      must(
        await api.GET('/api/members', {
          params: { query: { orgUnitId: unit.id, q: search || undefined, pageSize: 30 } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  const items = found.data?.items ?? [];
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setTyped }}
      allowClear
      value={value}
      placeholder="输入姓名查找本组织的党员（可不选）"
      notFoundContent={found.isFetching ? '查找中…' : '没有找到该党员'}
      options={items.map((m) => ({
        value: m.id,
        label: m.orgUnitId === unit.id ? m.name : `${m.name}（${m.orgUnitName}）`,
      }))}
      onChange={(next?: string) => {
        onChange?.(next);
        onPicked?.(items.find((m) => m.id === next)?.name);
      }}
      style={{ width: '100%' }}
    />
  );
}

/** The 用户 tab: who logs in for this unit, their roles in Chinese; create, disable, give, take. */
export function UsersTab({ unit }: { unit: Unit }) {
  const [params, setParams] = useSearchParams();
  const page = pageParam(params);
  const [dialog, setDialog] = useState<'create' | { grantTo: User } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; password: string } | null>(null);
  // The initial password is shown once the 新建用户 dialog has finished closing: one dialog at
  // a time, never one opening over another's closing animation.
  const createdNext = useRef<{ name: string; password: string } | null>(null);
  const [messageApi, holder] = message.useMessage();
  const [createForm] = Form.useForm<CreateValues>();
  const [grantForm] = Form.useForm<{ role: Role }>();
  const queryClient = useQueryClient();

  const users = useQuery({
    queryKey: ['users', unit.id, page],
    queryFn: async () =>
      must(
        await api.GET('/api/users', {
          params: { query: { orgUnitId: unit.id, page, pageSize: PAGE_SIZE } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });

  const create = useMutation({
    mutationFn: async (values: CreateValues) =>
      must(
        await api.POST('/api/users', {
          body: {
            loginName: values.loginName.trim(),
            name: values.name.trim(),
            memberId: values.memberId,
            grants: values.role ? [{ role: values.role, orgUnitId: unit.id }] : [],
            password: values.password || undefined,
          },
        }),
      ),
    onSuccess: async (user) => {
      if (user.initialPassword)
        createdNext.current = { name: user.name, password: user.initialPassword };
      setDialog(null);
      if (!user.initialPassword)
        void messageApi.success(`已创建用户${user.name}，首次登录须修改密码`);
      await refresh();
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const give = useMutation({
    mutationFn: async ({ user, role }: { user: User; role: Role }) =>
      must(
        await api.POST('/api/users/{id}/roles', {
          params: { path: { id: user.id } },
          body: { role, orgUnitId: unit.id, version: user.version },
        }),
      ),
    onSuccess: async (user, { role }) => {
      setDialog(null);
      void messageApi.success(`已授予${user.name}「${roleName(role)}」角色`);
      await refresh();
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const take = useMutation({
    mutationFn: async ({
      user,
      role,
      orgUnitId,
    }: {
      user: User;
      role: string;
      orgUnitId: string;
    }) =>
      must(
        await api.DELETE('/api/users/{id}/roles', {
          params: {
            path: { id: user.id },
            query: { role: role as Role, orgUnitId, version: user.version },
          },
        }),
      ),
    onSuccess: async (user, { role }) => {
      void messageApi.success(`已收回${user.name}的「${roleName(role)}」角色`);
      await refresh();
    },
    onError: (error) => void messageApi.error(problemText(error)),
  });
  const disable = useMutation({
    mutationFn: async (user: User) =>
      must(
        await api.POST('/api/users/{id}/disable', {
          params: { path: { id: user.id } },
          body: { version: user.version },
        }),
      ),
    onSuccess: async (user) => {
      void messageApi.success(`已停用${user.name}的账号`);
      await refresh();
    },
    onError: (error) => void messageApi.error(problemText(error)),
  });

  const refusal = problem && (
    <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
  );
  const grantTo = dialog && dialog !== 'create' ? dialog.grantTo : null;

  return (
    <div>
      {holder}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary">
          在本党组织担任角色的用户，以及本党组织党员的账号。
        </Typography.Text>
        <Button
          type="primary"
          onClick={() => {
            setProblem(null);
            createForm.resetFields();
            setDialog('create');
          }}
        >
          新建用户
        </Button>
      </Flex>
      {users.isError ? (
        <LoadError error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <Table<User>
          rowKey="id"
          size="middle"
          loading={users.isFetching}
          dataSource={users.data?.items ?? []}
          scroll={{ x: 720 }}
          locale={{ emptyText: '本党组织还没有用户' }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: users.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => `共 ${total} 个用户`,
            onChange: (next) => {
              const query = new URLSearchParams(params);
              if (next === 1) query.delete('page');
              else query.set('page', String(next));
              setParams(query);
            },
          }}
          columns={[
            { title: '姓名', dataIndex: 'name', width: 110 },
            {
              title: '登录名',
              dataIndex: 'loginName',
              width: 170,
              render: (v: string | null) => v ?? '—',
            },
            {
              title: '角色',
              key: 'grants',
              render: (_, user) =>
                user.grants.length === 0 ? (
                  <Typography.Text type="secondary">无角色</Typography.Text>
                ) : (
                  <Flex gap={4} wrap>
                    {user.grants.map((grant) => (
                      <Popconfirm
                        key={`${grant.role}@${grant.orgUnitId}`}
                        title={`收回${user.name}在${grant.orgUnitName}的「${roleName(grant.role)}」角色？`}
                        okText="收回"
                        cancelText="取消"
                        disabled={user.disabled}
                        onConfirm={() =>
                          take.mutate({ user, role: grant.role, orgUnitId: grant.orgUnitId })
                        }
                      >
                        <Tag
                          color={grant.orgUnitId === unit.id ? 'red' : 'default'}
                          style={{ cursor: user.disabled ? 'default' : 'pointer' }}
                          title="点击收回此角色"
                        >
                          {roleName(grant.role)}
                          {grant.orgUnitId === unit.id ? '' : `（${grant.orgUnitName}）`}
                        </Tag>
                      </Popconfirm>
                    ))}
                  </Flex>
                ),
            },
            {
              title: '状态',
              key: 'state',
              width: 110,
              render: (_, user) =>
                user.disabled ? (
                  <Tag>已停用</Tag>
                ) : user.mustChangePassword ? (
                  <Tag color="orange">待首次登录</Tag>
                ) : (
                  <Tag color="green">正常</Tag>
                ),
            },
            {
              title: '操作',
              key: 'actions',
              width: 150,
              render: (_, user) => (
                <Space size={0}>
                  <Button
                    type="link"
                    size="small"
                    disabled={user.disabled}
                    onClick={() => {
                      setProblem(null);
                      grantForm.resetFields();
                      setDialog({ grantTo: user });
                    }}
                  >
                    授予角色
                  </Button>
                  <Popconfirm
                    title={`停用${user.name}的账号？其登录和接口令牌将立即失效。`}
                    okText="停用"
                    okButtonProps={{ danger: true }}
                    cancelText="取消"
                    onConfirm={() => disable.mutate(user)}
                    disabled={user.disabled}
                  >
                    <Button type="link" size="small" danger disabled={user.disabled}>
                      停用
                    </Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      )}

      <Modal
        title={`新建用户（${unit.name}）`}
        open={dialog === 'create'}
        okText={create.isPending ? '提交中…' : '创建'}
        cancelText="取消"
        okButtonProps={{ disabled: create.isPending }}
        onOk={() => createForm.submit()}
        onCancel={() => setDialog(null)}
        afterClose={() => {
          setCreated(createdNext.current);
          createdNext.current = null;
        }}
        forceRender
      >
        {refusal}
        <Form
          form={createForm}
          name="userCreate"
          layout="vertical"
          onFinish={(values) => create.mutate(values)}
          requiredMark="optional"
        >
          <Form.Item name="memberId" label="对应党员">
            <MemberPicker
              unit={unit}
              onPicked={(name) => {
                if (name && !createForm.getFieldValue('name'))
                  createForm.setFieldValue('name', name);
              }}
            />
          </Form.Item>
          <Form.Item
            name="name"
            label="姓名"
            rules={[{ required: true, whitespace: true, message: '请填写姓名' }, { max: 100 }]}
          >
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item
            name="loginName"
            label="登录名"
            extra="2 到 64 个小写字母、数字或 . _ -，以字母或数字开头，如 secretary.branch-new"
            rules={[
              { required: true, message: '请填写登录名' },
              {
                pattern: /^[a-z0-9][a-z0-9._-]{1,63}$/,
                message: '登录名须为 2 到 64 个小写字母、数字或 . _ -（以字母或数字开头）',
              },
            ]}
          >
            <Input maxLength={64} autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="role"
            label={`在${unit.name}的角色`}
            extra="不选角色时须选择对应党员（党员账号）。"
          >
            <Select allowClear placeholder="不授予角色" options={ROLE_OPTIONS} />
          </Form.Item>
          <Form.Item
            name="password"
            label="初始密码"
            extra="可不填：系统生成一个初始密码并只显示一次。用户首次登录时须修改密码。"
            rules={[{ min: 8, message: '密码至少 8 个字符' }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={grantTo ? `授予角色：${grantTo.name}` : '授予角色'}
        open={grantTo !== null}
        okText={give.isPending ? '提交中…' : '授予'}
        cancelText="取消"
        okButtonProps={{ disabled: give.isPending }}
        onOk={() => grantForm.submit()}
        onCancel={() => setDialog(null)}
        forceRender
      >
        {refusal}
        <Form
          form={grantForm}
          name="userGrant"
          layout="vertical"
          onFinish={(values) => grantTo && give.mutate({ user: grantTo, role: values.role })}
        >
          <Form.Item
            name="role"
            label={`在${unit.name}的角色`}
            rules={[{ required: true, message: '请选择角色' }]}
          >
            <Select options={ROLE_OPTIONS} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title="用户已创建"
        open={created !== null}
        onOk={() => setCreated(null)}
        onCancel={() => setCreated(null)}
        okText="我已记下"
        cancelButtonProps={{ style: { display: 'none' } }}
      >
        {created && (
          <Typography.Paragraph>
            {created.name}的初始密码（只显示这一次，请转交本人，首次登录须修改）：
            <Typography.Text code copyable>
              {created.password}
            </Typography.Text>
          </Typography.Paragraph>
        )}
      </Modal>
    </div>
  );
}
