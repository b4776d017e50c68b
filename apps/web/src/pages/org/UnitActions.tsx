import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, must } from '../../api/client';
import { refreshOrgLevels } from './OrgShell';
import { problemText } from './problem';
import { UnitPicker } from './UnitPicker';
import { KIND_NAMES, type Unit, type UnitKind, childKinds } from './words';

type Action = 'create' | 'rename' | 'move' | 'close' | null;

function suggestedId(parentId: string): string {
  return `${parentId.slice(0, 50)}-${Date.now().toString(36).slice(-4)}`;
}

/**
 * 新建下级组织, 重命名, 移动 and 撤销 of one unit (an admin over it), each in a modal with labels;
 * a refusal is said in the modal, in the api's words.
 */
export function UnitActions({ unit }: { unit: Unit }) {
  const [action, setAction] = useState<Action>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [createForm] = Form.useForm<{ name: string; kind: UnitKind; id: string }>();
  const [renameForm] = Form.useForm<{ name: string }>();
  const [moveForm] = Form.useForm<{ parentId: string }>();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const kinds = childKinds(unit.kind);
  const closed = unit.closedAt !== null;

  const open = (next: Action) => {
    setProblem(null);
    if (next === 'create') {
      createForm.setFieldsValue({ name: '', kind: kinds[0], id: suggestedId(unit.id) });
    }
    if (next === 'rename') renameForm.setFieldsValue({ name: unit.name });
    if (next === 'move') moveForm.resetFields();
    setAction(next);
  };
  const done = async () => {
    setAction(null);
    await queryClient.invalidateQueries({ queryKey: ['org-unit'] });
    await queryClient.invalidateQueries({ queryKey: ['org-units'] });
  };

  const create = useMutation({
    mutationFn: async (values: { name: string; kind: UnitKind; id: string }) =>
      must(
        await api.POST('/api/org-units', {
          body: { id: values.id.trim(), parentId: unit.id, kind: values.kind, name: values.name },
        }),
      ),
    onSuccess: async (created) => {
      refreshOrgLevels([unit.id, unit.parentId]);
      await done();
      void navigate(`/org/units/${created.id}`);
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const rename = useMutation({
    mutationFn: async (values: { name: string }) =>
      must(
        await api.PATCH('/api/org-units/{id}', {
          params: { path: { id: unit.id } },
          body: { name: values.name, version: unit.version },
        }),
      ),
    onSuccess: async () => {
      refreshOrgLevels([unit.parentId]);
      await done();
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const move = useMutation({
    mutationFn: async (values: { parentId: string }) =>
      must(
        await api.POST('/api/org-units/{id}/move', {
          params: { path: { id: unit.id } },
          body: { parentId: values.parentId, version: unit.version },
        }),
      ),
    onSuccess: async (_, values) => {
      refreshOrgLevels([unit.parentId, values.parentId]);
      await done();
    },
    onError: (error) => setProblem(problemText(error)),
  });
  const close = useMutation({
    mutationFn: async () =>
      must(
        await api.POST('/api/org-units/{id}/close', {
          params: { path: { id: unit.id } },
          body: { version: unit.version },
        }),
      ),
    onSuccess: async () => {
      refreshOrgLevels([unit.parentId]);
      await done();
    },
    onError: (error) => setProblem(problemText(error)),
  });

  const refusal = problem && (
    <Alert type="error" showIcon title={problem} style={{ marginBottom: 12 }} role="alert" />
  );

  return (
    <>
      <Space wrap>
        <Button
          type="primary"
          disabled={closed || kinds.length === 0}
          onClick={() => open('create')}
        >
          新建下级组织
        </Button>
        <Button disabled={closed} onClick={() => open('rename')}>
          重命名
        </Button>
        <Button disabled={closed || unit.parentId === null} onClick={() => open('move')}>
          移动
        </Button>
        <Button danger disabled={closed || unit.parentId === null} onClick={() => open('close')}>
          撤销
        </Button>
      </Space>

      <Modal
        title={`在「${unit.name}」下新建组织`}
        open={action === 'create'}
        okText={create.isPending ? '提交中…' : '新建'}
        cancelText="取消"
        okButtonProps={{ disabled: create.isPending }}
        onOk={() => createForm.submit()}
        onCancel={() => setAction(null)}
        forceRender
      >
        {refusal}
        <Form
          form={createForm}
          name="unitCreate"
          layout="vertical"
          onFinish={(values) => create.mutate(values)}
          requiredMark="optional"
        >
          <Form.Item
            name="name"
            label="名称"
            rules={[{ required: true, whitespace: true, message: '请填写名称' }, { max: 64 }]}
          >
            <Input placeholder="如：新能源事业部党支部" maxLength={64} />
          </Form.Item>
          <Form.Item name="kind" label="类型" rules={[{ required: true, message: '请选择类型' }]}>
            <Select options={kinds.map((kind) => ({ value: kind, label: KIND_NAMES[kind] }))} />
          </Form.Item>
          <Form.Item
            name="id"
            label="党组织编号"
            extra="小写字母、数字和 -，最多 63 个字符；创建后不能修改（用于接口和导入）。"
            rules={[
              { required: true, message: '请填写党组织编号' },
              {
                pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
                message: '党组织编号只能包含小写字母、数字和 -，以字母或数字开头，最多 63 个字符',
              },
            ]}
          >
            <Input maxLength={63} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={`重命名「${unit.name}」`}
        open={action === 'rename'}
        okText={rename.isPending ? '提交中…' : '保存'}
        cancelText="取消"
        okButtonProps={{ disabled: rename.isPending }}
        onOk={() => renameForm.submit()}
        onCancel={() => setAction(null)}
        forceRender
      >
        {refusal}
        <Form
          form={renameForm}
          name="unitRename"
          layout="vertical"
          onFinish={(values) => rename.mutate(values)}
        >
          <Form.Item
            name="name"
            label="新名称"
            rules={[{ required: true, whitespace: true, message: '请填写名称' }, { max: 64 }]}
          >
            <Input maxLength={64} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={`移动「${unit.name}」`}
        open={action === 'move'}
        okText={move.isPending ? '提交中…' : '移动'}
        cancelText="取消"
        okButtonProps={{ disabled: move.isPending }}
        onOk={() => moveForm.submit()}
        onCancel={() => setAction(null)}
        forceRender
      >
        {refusal}
        <Typography.Paragraph type="secondary">
          该组织及其全部下级组织、党员将一并移到新的上级组织下。
        </Typography.Paragraph>
        <Form
          form={moveForm}
          name="unitMove"
          layout="vertical"
          onFinish={(values) => move.mutate(values)}
        >
          <Form.Item
            name="parentId"
            label="新的上级组织"
            rules={[{ required: true, message: '请选择新的上级组织' }]}
          >
            <UnitPicker exclude={(candidate) => candidate.path.startsWith(unit.path)} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        title={`撤销「${unit.name}」`}
        open={action === 'close'}
        okText={close.isPending ? '提交中…' : '确认撤销'}
        okButtonProps={{ danger: true, disabled: close.isPending }}
        cancelText="取消"
        onOk={() => close.mutate()}
        onCancel={() => setAction(null)}
        forceRender
      >
        {refusal}
        <Typography.Paragraph>
          撤销后该组织保留历史记录，但不再接收新的党员和流程。只有没有下级组织、党员和进行中流程的组织才能撤销。
        </Typography.Paragraph>
      </Modal>
    </>
  );
}
