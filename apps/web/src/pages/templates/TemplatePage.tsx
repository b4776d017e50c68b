import { PlayCircleOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Breadcrumb,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Grid,
  Row,
  Select,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import type { components } from '../../api/schema';
import { useAuth } from '../../app/auth';
import { LoadError, NotFound, PageLoading } from '../../app/results';
import { formatDateTime } from '../../components/time';
import { readBpmnInfo } from './bpmnInfo';
import { StartInstanceModal } from './StartInstanceModal';

const DiagramViewer = lazy(() => import('../../components/DiagramViewer'));

type Version = components['schemas']['TemplateVersionDto'];

/** `/templates/:key?version=N` 流程模板详情: its versions, one version's diagram, forms and instances. */
export default function TemplatePage() {
  const { key = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { hasRole } = useAuth();
  const canStart = hasRole('admin', 'secretary', 'supervisor');
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const [starting, setStarting] = useState(false);
  const queryClient = useQueryClient();

  const versions = useQuery({
    queryKey: ['templates', key, 'versions'],
    queryFn: async () =>
      must(await api.GET('/api/templates/{key}/versions', { params: { path: { key } } })),
  });
  const wanted = params.get('version');
  const items = versions.data?.items ?? [];
  const latest = items[0];
  const selected: Version | undefined =
    wanted === null ? latest : items.find((item) => String(item.version) === wanted);

  const detail = useQuery({
    queryKey: ['templates', key, 'xml', selected?.version],
    queryFn: async () =>
      must(
        await api.GET('/api/templates/{key}', {
          params: { path: { key }, query: { version: selected?.version } },
        }),
      ),
    enabled: selected !== undefined,
    staleTime: Infinity,
  });
  const info = useMemo(() => readBpmnInfo(detail.data?.xml), [detail.data?.xml]);

  if (versions.isPending) return <PageLoading />;
  if (versions.isError) {
    return <LoadError error={versions.error} onRetry={() => void versions.refetch()} />;
  }
  if (!selected || !latest) return <NotFound />;
  const name = selected.name ?? selected.key;
  const choose = (version: number) => {
    const next = new URLSearchParams(params);
    if (version === latest.version) next.delete('version');
    else next.set('version', String(version));
    setParams(next);
  };

  const header = (
    <Card size="small">
      <Flex vertical gap={8}>
        <Flex gap={8} align="center" wrap justify="space-between">
          <Flex gap={8} align="center" wrap>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {name}
            </Typography.Title>
            <Tag color="blue">第 {selected.version} 版</Tag>
            {selected.version === latest.version ? (
              <Tag color="green">最新版本</Tag>
            ) : (
              <Tag>历史版本</Tag>
            )}
          </Flex>
          <Flex gap={8} align="center" wrap>
            <Typography.Text id="template-version-label">查看版本</Typography.Text>
            <Select
              aria-labelledby="template-version-label"
              style={{ width: narrow ? 160 : 180 }}
              value={selected.version}
              onChange={choose}
              options={items.map((item) => ({
                value: item.version,
                label: `第 ${item.version} 版${item.version === latest.version ? '（最新）' : ''}`,
              }))}
            />
            {canStart ? (
              <Button
                type="primary"
                icon={<PlayCircleOutlined />}
                onClick={() => setStarting(true)}
              >
                发起流程
              </Button>
            ) : (
              <Typography.Text type="secondary">
                发起流程由组织管理员、党组织书记或督导人员操作
              </Typography.Text>
            )}
          </Flex>
        </Flex>
        <Descriptions
          size="small"
          column={narrow ? 1 : 3}
          items={[
            {
              key: 'key',
              label: '模板标识',
              children: <Typography.Text code>{selected.key}</Typography.Text>,
            },
            { key: 'at', label: '部署时间', children: formatDateTime(selected.deployedAt) },
            { key: 'by', label: '部署人', children: selected.deployedByName },
            { key: 'file', label: '文件', children: selected.file },
            { key: 'versions', label: '版本数', children: `共 ${items.length} 版` },
          ]}
        />
      </Flex>
    </Card>
  );

  const counts = (
    <Card size="small" title={`第 ${selected.version} 版上的流程实例`}>
      <Row gutter={12}>
        <Col span={8}>
          <Statistic title="运行中" value={selected.running} suffix="个" />
        </Col>
        <Col span={8}>
          <Statistic title="已完成" value={selected.completed} suffix="个" />
        </Col>
        <Col span={8}>
          <Statistic title="已终止" value={selected.terminated} suffix="个" />
        </Col>
      </Row>
    </Card>
  );

  const forms = (
    <Card size="small" title={`表单（${selected.forms.length} 个）`}>
      {selected.forms.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="此版本的步骤不使用表单" />
      ) : (
        <ul
          aria-label="此版本的表单"
          tabIndex={0}
          style={{ margin: 0, padding: 0, listStyle: 'none', maxHeight: 300, overflowY: 'auto' }}
        >
          {selected.forms.map((formId) => {
            const users = info.formUsers.get(formId) ?? [];
            return (
              <li key={formId} style={{ padding: '6px 0', borderBottom: '1px solid #f0f0f0' }}>
                <Flex vertical gap={2}>
                  <Typography.Text code>{formId}</Typography.Text>
                  {users.length > 0 && (
                    <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                      用于：{users.join('、')}
                    </Typography.Text>
                  )}
                </Flex>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );

  const diagram = (
    <Card size="small" title={`第 ${selected.version} 版的流程图`}>
      {detail.data?.xml ? (
        <Suspense fallback={<PageLoading />}>
          <DiagramViewer
            xml={detail.data.xml}
            height={narrow ? 320 : 480}
            label={`${name}第 ${selected.version} 版的流程图`}
          />
        </Suspense>
      ) : detail.isError ? (
        <LoadError error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <PageLoading />
      )}
    </Card>
  );

  const history = (
    <Card size="small" title="全部版本" styles={{ body: { padding: 0 } }}>
      <Table<Version>
        rowKey="version"
        size="small"
        pagination={false}
        dataSource={items}
        scroll={{ x: 640 }}
        aria-label="全部版本"
        rowClassName={(row) => (row.version === selected.version ? 'ant-table-row-selected' : '')}
        columns={[
          {
            title: '版本',
            dataIndex: 'version',
            render: (version: number) =>
              version === selected.version ? (
                <Typography.Text strong>第 {version} 版</Typography.Text>
              ) : (
                <Link
                  to={
                    version === latest.version
                      ? `/templates/${encodeURIComponent(key)}`
                      : `/templates/${encodeURIComponent(key)}?version=${version}`
                  }
                >
                  第 {version} 版
                </Link>
              ),
          },
          {
            title: '部署时间',
            dataIndex: 'deployedAt',
            render: (at: string) => formatDateTime(at),
          },
          { title: '部署人', dataIndex: 'deployedByName' },
          { title: '运行中', dataIndex: 'running', align: 'right' },
          { title: '已完成', dataIndex: 'completed', align: 'right' },
          { title: '已终止', dataIndex: 'terminated', align: 'right' },
        ]}
      />
    </Card>
  );

  return (
    <Flex vertical gap={12}>
      <Breadcrumb items={[{ title: <Link to="/templates">流程模板</Link> }, { title: name }]} />
      {header}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={16}>
          {diagram}
        </Col>
        <Col xs={24} lg={8}>
          <Flex vertical gap={12}>
            {counts}
            {forms}
          </Flex>
        </Col>
        <Col span={24}>{history}</Col>
      </Row>
      {canStart && (
        <StartInstanceModal
          templateKey={latest.key}
          templateName={latest.name ?? latest.key}
          version={latest.version}
          open={starting}
          onClose={() => setStarting(false)}
          onStarted={() => void queryClient.invalidateQueries({ queryKey: ['templates'] })}
        />
      )}
    </Flex>
  );
}
