import { useQuery } from '@tanstack/react-query';
import { Alert, Form, Input, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import { UnitSelect } from '../../components/UnitSelect';
import { LIST_WORDS, LISTS, type LedgerItemDetail, type LedgerList } from './words';

interface Values {
  list: LedgerList;
  title: string;
  standard: string;
  orgUnitId: string;
  responsible: string;
  assessingUnitId: string;
  dueAt: string;
}

/** Members of a unit's subtree whose name starts with `q` (the api looks them up, 20 at most). */
function useMembers(orgUnitId: string | undefined, q: string) {
  return useQuery({
    queryKey: ['members', 'picker', orgUnitId, q],
    enabled: !!orgUnitId,
    queryFn: async () =>
      must(
        await api.GET('/api/members', {
          params: { query: { orgUnitId, q: q || undefined, pageSize: 20 } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

/** `<input type="datetime-local">` reads wall-clock time: taken as Asia/Shanghai. */
function shanghaiInstant(local: string): string {
  return `${local.length === 16 ? `${local}:00` : local}+08:00`;
}

/**
 * 新增事项: an item opened by hand on one of the three lists, with the 四个明确 (完成时间, 责任单位 +
 * 责任人, 工作标准, 考核部门); the unit and the person are picked by name.
 */
export function CreateItemModal({
  open,
  defaultList,
  onClose,
  onCreated,
}: {
  open: boolean;
  defaultList: LedgerList;
  onClose: () => void;
  onCreated: (item: LedgerItemDetail) => void;
}) {
  const [form] = Form.useForm<Values>();
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [memberQuery, setMemberQuery] = useState('');
  const orgUnitId = Form.useWatch('orgUnitId', form);
  const members = useMembers(orgUnitId, memberQuery);

  useEffect(() => {
    if (open) {
      form.resetFields();
      form.setFieldValue('list', defaultList);
      setProblem(null);
      setMemberQuery('');
    }
  }, [open, defaultList, form]);

  const save = async () => {
    setProblem(null);
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    try {
      const created = must(
        await api.POST('/api/ledger/items', {
          body: { ...values, dueAt: shanghaiInstant(values.dueAt) },
        }),
      );
      onCreated(created);
    } catch (error) {
      const refused = asApiError(error);
      const known = new Set(Object.keys(form.getFieldsValue()));
      const placed = refused.fields.filter((f) => known.has(f.field));
      form.setFields(placed.map((f) => ({ name: f.field as keyof Values, errors: [f.message] })));
      setProblem(refused.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title="新增台账事项"
      okText={saving ? '保存中…' : '保存'}
      cancelText="取消"
      onOk={() => void save()}
      okButtonProps={{ disabled: saving }}
      onCancel={onClose}
      destroyOnHidden
      width={640}
    >
      {problem && (
        <Alert type="error" showIcon title={problem} role="alert" style={{ marginBottom: 12 }} />
      )}
      <Form form={form} layout="vertical" requiredMark>
        <Form.Item name="list" label="清单" rules={[{ required: true, message: '请选择清单' }]}>
          <Select options={LISTS.map((list) => ({ value: list, label: LIST_WORDS[list] }))} />
        </Form.Item>
        <Form.Item
          name="title"
          label="事项名称"
          rules={[
            { required: true, whitespace: true, message: '请填写事项名称' },
            { max: 500, message: '最多 500 个字' },
          ]}
        >
          <Input placeholder="例：组织生活会整改：党员学习记录不全" />
        </Form.Item>
        <Form.Item
          name="standard"
          label="工作标准"
          rules={[
            { required: true, whitespace: true, message: '请写明工作标准（怎样算完成）' },
            { max: 5000, message: '最多 5000 个字' },
          ]}
        >
          <Input.TextArea rows={3} placeholder="例：补齐全年学习记录并经支委会审核" />
        </Form.Item>
        <Form.Item
          name="orgUnitId"
          label="责任单位"
          rules={[{ required: true, message: '请选择责任单位' }]}
        >
          <UnitSelect
            placeholder="输入名称查找党组织"
            onChange={(_id, parentId) => {
              form.setFieldValue('responsible', undefined);
              setMemberQuery('');
              if (parentId && !form.getFieldValue('assessingUnitId')) {
                form.setFieldValue('assessingUnitId', parentId);
              }
            }}
          />
        </Form.Item>
        <Form.Item
          name="responsible"
          label="责任人"
          rules={[{ required: true, message: '请选择责任人' }]}
          extra={orgUnitId ? '输入姓名查找该党组织的党员' : '请先选择责任单位'}
        >
          <Select
            showSearch={{
              filterOption: false,
              onSearch: (text: string) => setMemberQuery(text.trim()),
            }}
            disabled={!orgUnitId}
            placeholder="输入姓名查找"
            loading={members.isFetching}
            notFoundContent={members.isFetching ? '查找中…' : '未找到该党员'}
            options={(members.data?.items ?? []).map((member) => ({
              value: member.id,
              label: member.name,
            }))}
          />
        </Form.Item>
        <Form.Item
          name="assessingUnitId"
          label="考核部门"
          rules={[{ required: true, message: '请选择考核部门' }]}
        >
          <UnitSelect placeholder="输入名称查找党组织" />
        </Form.Item>
        <Form.Item
          name="dueAt"
          label="完成时间"
          rules={[{ required: true, message: '请填写完成时间' }]}
        >
          <Input type="datetime-local" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
