import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Modal, Result, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { asApiError } from '../../api/errors';
import { useAuth } from '../../app/auth';
import type { components } from '../../api/schema';
import { shanghaiDay } from '../../components/time';

type Instance = components['schemas']['InstanceDto'];
type Member = components['schemas']['MemberDto'];
type MemberStatus = Member['status'];

/** The person a template is started for, chosen by name, and what the start needs of them. */
interface PersonField {
  readonly label: string;
  readonly statuses: readonly MemberStatus[];
  /** The member's date the template reads (`birthDate`, `admissionDate`), asked for when unknown. */
  readonly date: { readonly key: 'birthDate' | 'admissionDate'; readonly label: string };
}

/** Start variables of the templates this repository ships (process-templates/README.md). */
const PEOPLE: Record<string, PersonField> = {
  'member-development': {
    label: '入党申请人',
    statuses: ['applicant'],
    date: { key: 'birthDate', label: '出生日期' },
  },
  'political-birthday': {
    label: '过政治生日的党员',
    statuses: ['full', 'probationary'],
    date: { key: 'admissionDate', label: '入党日期' },
  },
};

interface Values {
  orgUnitId?: string;
  memberId?: string;
  memberDate?: string;
  applicationDate?: string;
  year?: string;
  businessKey?: string;
  variables?: string;
}

/** Waits a moment after the last key before asking the api (a name being typed). */
function useSettled(value: string, ms = 250): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * 发起流程: starts an instance of the template's latest version by hand (`POST /api/instances`)
 * in a unit chosen by name, with the start variables the template needs — for a member's
 * development the applicant chosen by name among the unit's applicants — and an optional
 * business key. A refusal is said in Chinese at its field or above the form.
 */
export function StartInstanceModal({
  templateKey,
  templateName,
  version,
  open,
  onClose,
  onStarted,
}: {
  templateKey: string;
  templateName: string;
  version: number;
  open: boolean;
  onClose: () => void;
  /** After an instance started (the counts changed). */
  onStarted?: () => void;
}) {
  const [form] = Form.useForm<Values>();
  // instances are read by the unit's secretary and its supervisors, not by an admin's role
  const readsInstances = useAuth().hasRole('secretary', 'supervisor');
  const person = PEOPLE[templateKey];
  const [unitSearch, setUnitSearch] = useState('');
  const [memberSearch, setMemberSearch] = useState('');
  const unitQ = useSettled(unitSearch.trim());
  const memberQ = useSettled(memberSearch.trim());
  const orgUnitId = Form.useWatch('orgUnitId', form);
  const memberId = Form.useWatch('memberId', form);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [started, setStarted] = useState<Instance | null>(null);
  const [unitName, setUnitName] = useState<string | null>(null);

  const units = useQuery({
    queryKey: ['org-units', 'start', unitQ],
    queryFn: async () =>
      must(
        await api.GET('/api/org-units', {
          params: { query: { pageSize: 50, ...(unitQ ? { q: unitQ } : {}) } },
        }),
      ),
    enabled: open,
    placeholderData: (previous) => previous,
  });
  const members = useQuery({
    queryKey: ['members', 'start', orgUnitId, memberQ, person?.statuses],
    queryFn: async () =>
      must(
        await api.GET('/api/members', {
          params: {
            query: {
              orgUnitId,
              pageSize: 20,
              ...(memberQ ? { q: memberQ } : {}),
              ...(person ? { status: [...person.statuses] } : {}),
            },
          },
        }),
      ),
    enabled: open && !!person && !!orgUnitId,
    placeholderData: (previous) => previous,
  });
  const chosen: Member | undefined = members.data?.items.find((m) => m.id === memberId);
  const knownDate = person && chosen ? chosen[person.date.key] : null;

  const close = () => {
    form.resetFields();
    setProblem(null);
    setStarted(null);
    onClose();
  };

  const submit = async (values: Values) => {
    setProblem(null);
    let extra: Record<string, unknown> = {};
    if (values.variables?.trim()) {
      try {
        const parsed: unknown = JSON.parse(values.variables);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
        extra = parsed as Record<string, unknown>;
      } catch {
        form.setFields([{ name: 'variables', errors: ['请填写 JSON 对象，例如 {"year": 2026}'] }]);
        return;
      }
    }
    const variables: Record<string, unknown> = {
      orgUnitId: values.orgUnitId,
      branchId: values.orgUnitId,
      ...extra,
    };
    if (person && chosen) {
      variables.memberId = chosen.id;
      variables.memberName = chosen.name;
      variables[person.date.key] = knownDate ?? values.memberDate;
      if (templateKey === 'member-development') variables.applicationDate = values.applicationDate;
      if (templateKey === 'political-birthday') variables.year = Number(values.year);
    }
    setBusy(true);
    try {
      const instance = must(
        await api.POST('/api/instances', {
          body: {
            templateKey,
            orgUnitId: values.orgUnitId,
            ...(values.businessKey?.trim() ? { businessKey: values.businessKey.trim() } : {}),
            variables,
          },
        }),
      );
      setStarted(instance);
      onStarted?.();
    } catch (error) {
      const refused = asApiError(error);
      for (const field of refused.fields) {
        if (field.field === 'orgUnitId' || field.field === 'businessKey') {
          form.setFields([{ name: field.field, errors: [field.message] }]);
        }
      }
      if (refused.code === 'DUPLICATE_BUSINESS_KEY') {
        // the api's sentence names the unit and template by id: said here with their names
        const said = `${unitName ?? '该党组织'}已有业务编号为「${values.businessKey?.trim() ?? ''}」的「${templateName}」流程实例，请换一个业务编号`;
        form.setFields([{ name: 'businessKey', errors: [said] }]);
        setProblem(said);
      } else {
        setProblem(refused.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const today = shanghaiDay(new Date());
  return (
    <Modal
      open={open}
      title={`发起流程：${templateName}`}
      onCancel={close}
      destroyOnHidden
      footer={
        started
          ? [
              <Button key="close" type="primary" onClick={close}>
                完成
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={close}>
                取消
              </Button>,
              <Button key="ok" type="primary" disabled={busy} onClick={() => form.submit()}>
                {busy ? '发起中…' : '发起'}
              </Button>,
            ]
      }
    >
      {started ? (
        <Result
          status="success"
          title="流程已发起"
          subTitle={
            started.openTasks.length > 0
              ? `当前步骤：${started.openTasks.map((task) => task.name ?? '未命名步骤').join('、')}`
              : undefined
          }
          extra={
            readsInstances ? <Link to={`/instances/${started.id}`}>查看流程实例</Link> : undefined
          }
        />
      ) : (
        <Form<Values>
          form={form}
          layout="vertical"
          onFinish={(values) => void submit(values)}
          initialValues={{ applicationDate: today, year: today.slice(0, 4) }}
        >
          <Typography.Paragraph type="secondary">
            以最新版本（第 {version} 版）发起，流程的各步骤将分派给所选党组织。
          </Typography.Paragraph>
          {problem && <Alert type="error" showIcon title={problem} style={{ marginBottom: 12 }} />}
          <Form.Item
            name="orgUnitId"
            label="所属党组织"
            rules={[{ required: true, message: '请选择党组织' }]}
          >
            <Select
              showSearch={{ filterOption: false, onSearch: setUnitSearch }}
              placeholder="输入名称查找党组织"
              loading={units.isFetching}
              notFoundContent={units.isFetching ? '查找中…' : '没有找到党组织'}
              options={(units.data?.items ?? []).map((unit) => ({
                value: unit.id,
                label: unit.name,
              }))}
              onChange={(_value, option) => {
                form.setFieldsValue({ memberId: undefined });
                setUnitName(option && !Array.isArray(option) ? String(option.label) : null);
              }}
            />
          </Form.Item>
          {person && (
            <>
              <Form.Item
                name="memberId"
                label={person.label}
                rules={[{ required: true, message: `请选择${person.label}` }]}
                extra={orgUnitId ? undefined : '请先选择党组织'}
              >
                <Select
                  disabled={!orgUnitId}
                  showSearch={{ filterOption: false, onSearch: setMemberSearch }}
                  placeholder="输入姓名查找"
                  loading={members.isFetching}
                  notFoundContent={members.isFetching ? '查找中…' : '该党组织没有符合条件的人员'}
                  options={(members.data?.items ?? []).map((member) => ({
                    value: member.id,
                    label: member.name,
                  }))}
                />
              </Form.Item>
              {chosen && knownDate && (
                <Typography.Paragraph type="secondary">
                  {person.date.label}：{knownDate}
                </Typography.Paragraph>
              )}
              {chosen && !knownDate && (
                <Form.Item
                  name="memberDate"
                  label={person.date.label}
                  rules={[{ required: true, message: `请填写${person.date.label}` }]}
                >
                  <Input type="date" max={today} />
                </Form.Item>
              )}
              {templateKey === 'member-development' && (
                <Form.Item
                  name="applicationDate"
                  label="递交入党申请书的日期"
                  rules={[{ required: true, message: '请填写申请日期' }]}
                >
                  <Input type="date" max={today} />
                </Form.Item>
              )}
              {templateKey === 'political-birthday' && (
                <Form.Item
                  name="year"
                  label="年份"
                  rules={[{ required: true, pattern: /^\d{4}$/, message: '请填写四位年份' }]}
                >
                  <Input inputMode="numeric" maxLength={4} />
                </Form.Item>
              )}
            </>
          )}
          <Form.Item
            name="businessKey"
            label="业务编号（可不填）"
            extra="同一党组织内，同一流程的业务编号不能重复；不填则不设业务编号。"
            rules={[{ max: 200, message: '最多 200 个字符' }]}
          >
            <Input maxLength={200} />
          </Form.Item>
          {!person && (
            <Form.Item
              name="variables"
              label="其他启动变量（JSON，可不填）"
              extra="所选党组织会作为 orgUnitId 和 branchId 一并传入。"
            >
              <Input.TextArea rows={3} placeholder='例如 {"year": 2026}' />
            </Form.Item>
          )}
        </Form>
      )}
    </Modal>
  );
}
