import { CloudUploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Empty,
  Flex,
  message as antMessage,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { RcFile } from 'antd/es/upload';
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { ApiError, asApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { useAuth } from '../../app/auth';
import { LoadError } from '../../app/results';
import { formatDateTime } from '../../components/time';
import { type DeployResult, deployUpload, toUpload } from './deploy';
import { DeployRefusal } from './DeployRefusal';

type Template = components['schemas']['TemplateListItemDto'];

interface Refusal {
  readonly error: ApiError;
  readonly fileName: string;
  readonly xml: string | null;
}

export const TEMPLATES_KEY = ['templates', 'counts'] as const;

/** `/templates` 流程模板: every template's latest version, and the upload that deploys one. */
export default function TemplatesPage() {
  const { hasRole } = useAuth();
  const canDeploy = hasRole('integrator');
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [deployed, setDeployed] = useState<DeployResult | null>(null);
  const chosen = useRef<readonly File[] | null>(null);

  const templates = useQuery({
    queryKey: TEMPLATES_KEY,
    queryFn: async () =>
      must(await api.GET('/api/templates', { params: { query: { counts: true } } })),
  });

  const deploy = async (files: readonly File[]) => {
    const upload = toUpload(files);
    setDeployed(null);
    if (typeof upload === 'string') {
      setRefusal(null);
      void message.error(upload);
      return;
    }
    setBusy(true);
    setRefusal(null);
    try {
      const result = await deployUpload(upload);
      setDeployed(result);
      const name = result.name ?? result.key;
      void message.success(
        result.created
          ? `已部署「${name}」第 ${result.version} 版`
          : `「${name}」与第 ${result.version} 版完全相同，未产生新版本`,
      );
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
    } catch (error) {
      const xml = await upload.bpmn.text().catch(() => null);
      setRefusal({ error: asApiError(error), fileName: upload.bpmn.name, xml });
    } finally {
      setBusy(false);
    }
  };

  if (templates.isError) {
    return <LoadError error={templates.error} onRetry={() => void templates.refetch()} />;
  }

  const items = templates.data?.items ?? [];
  return (
    <Flex vertical gap={12} style={{ maxWidth: 1200 }}>
      {messageHolder}
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Space align="baseline">
          <Typography.Title level={3} style={{ margin: 0 }}>
            流程模板
          </Typography.Title>
          {templates.data && (
            <Typography.Text type="secondary">共 {templates.data.total} 个</Typography.Text>
          )}
        </Space>
        {canDeploy && (
          <Upload
            multiple
            accept=".bpmn,.form"
            showUploadList={false}
            disabled={busy}
            beforeUpload={(_file: RcFile, list: RcFile[]) => {
              // called once per chosen file, in one go: deploy the whole choice once
              if (chosen.current === null) {
                setTimeout(() => {
                  const files = chosen.current ?? [];
                  chosen.current = null;
                  void deploy(files);
                }, 0);
              }
              chosen.current = list;
              return false;
            }}
          >
            <Button type="primary" icon={<CloudUploadOutlined />} disabled={busy}>
              {busy ? '部署中…' : '上传部署'}
            </Button>
          </Upload>
        )}
      </Flex>
      {canDeploy && (
        <Typography.Text type="secondary">
          选择一个 .bpmn 文件和它的用户任务用到的 .form
          表单文件（可多选），上传后即校验并部署为新版本；未通过校验时不会部署任何内容。
        </Typography.Text>
      )}
      {deployed && (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => setDeployed(null)}
          title={
            <span>
              {deployed.created ? '已部署' : '未产生新版本：与已部署的'}「
              <Link to={`/templates/${encodeURIComponent(deployed.key)}`}>
                {deployed.name ?? deployed.key}
              </Link>
              」第 {deployed.version} 版{deployed.created ? '' : '完全相同'}
              {deployed.forms.length > 0 ? `，含表单 ${deployed.forms.length} 个` : ''}
            </span>
          }
        />
      )}
      {refusal && (
        <DeployRefusal error={refusal.error} fileName={refusal.fileName} xml={refusal.xml} />
      )}
      <Card size="small" styles={{ body: { padding: 0 } }}>
        <Table<Template>
          rowKey="key"
          size="middle"
          loading={templates.isPending}
          dataSource={items}
          pagination={false}
          scroll={{ x: 900 }}
          aria-label="流程模板列表"
          locale={{ emptyText: <Empty description="还没有部署任何流程模板" /> }}
          rowClassName={(row) => (deployed?.key === row.key ? 'ant-table-row-selected' : '')}
          columns={[
            {
              title: '名称',
              key: 'name',
              render: (_, row) => (
                <Link to={`/templates/${encodeURIComponent(row.key)}`}>{row.name ?? row.key}</Link>
              ),
            },
            {
              title: '模板标识',
              dataIndex: 'key',
              render: (key: string) => <Typography.Text code>{key}</Typography.Text>,
            },
            {
              title: '最新版本',
              key: 'version',
              render: (_, row) => (
                <Space size={4}>
                  <Tag color="blue">第 {row.version} 版</Tag>
                  {row.versions > 1 && (
                    <Typography.Text type="secondary">共 {row.versions} 版</Typography.Text>
                  )}
                </Space>
              ),
            },
            {
              title: '部署时间',
              dataIndex: 'deployedAt',
              render: (at: string) => formatDateTime(at),
            },
            { title: '部署人', dataIndex: 'deployedByName' },
            {
              title: '运行中实例',
              dataIndex: 'running',
              align: 'right',
              render: (running?: number) => (running === undefined ? '—' : `${running} 个`),
            },
          ]}
        />
      </Card>
    </Flex>
  );
}
