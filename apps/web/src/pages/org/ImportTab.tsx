import { UploadOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Checkbox,
  Flex,
  Form,
  Input,
  Result,
  Statistic,
  Table,
  Typography,
} from 'antd';
import { useRef, useState } from 'react';
import { type ApiError, asApiError, toApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { problemText } from './problem';
import { type Unit, rosterReason } from './words';

type ImportResult = components['schemas']['ImportResultDto'];
type RowError = components['schemas']['RosterErrorDto'];

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function postRoster(
  unit: Unit,
  file: File,
  options: { dryRun: boolean; reason?: string },
): Promise<ImportResult> {
  const query = new URLSearchParams({ orgUnitId: unit.id, fileName: file.name });
  if (options.dryRun) query.set('dryRun', 'true');
  if (options.reason?.trim()) query.set('reason', options.reason.trim());
  let response: Response;
  try {
    response = await fetch(`/api/org/import?${query.toString()}`, {
      method: 'POST',
      body: file,
      credentials: 'same-origin',
      headers: {
        'X-Requested-With': 'XMLHttpRequest',
        'Content-Type': file.name.toLowerCase().endsWith('.csv') ? 'text/csv' : XLSX,
      },
    });
  } catch (error) {
    throw asApiError(error);
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, payload);
  return payload as ImportResult;
}

function rowErrorsOf(error: ApiError): { errors: RowError[]; errorCount: number } | null {
  const details = error.details as { errors?: RowError[]; errorCount?: number } | undefined;
  if (!details || !Array.isArray(details.errors)) return null;
  return { errors: details.errors, errorCount: details.errorCount ?? details.errors.length };
}

/**
 * The 导入花名册 tab: an .xlsx or .csv roster into this unit's subtree. A refusal lists every
 * bad row (行号, 列, 原因) and writes nothing; success counts what was created, updated, unchanged.
 */
export function ImportTab({ unit }: { unit: Unit }) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [refusal, setRefusal] = useState<{
    message: string;
    rows: { errors: RowError[]; errorCount: number } | null;
  } | null>(null);
  const queryClient = useQueryClient();

  const submit = async (checkOnly = dryRun) => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    setRefusal(null);
    try {
      const answer = await postRoster(unit, file, { dryRun: checkOnly, reason });
      setResult(answer);
      if (!answer.dryRun) await queryClient.invalidateQueries({ queryKey: ['members'] });
    } catch (error) {
      const problem = asApiError(error);
      setRefusal({
        message: problemText(problem),
        rows: rowErrorsOf(problem),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex vertical gap={16}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {/* one string: JSX would join the lines with a space, visible between Chinese words */}
        {`上传党员花名册（.xlsx 或 .csv），导入到「${unit.name}」及其下级组织。` +
          '表头须包含姓名、人员类别、所在党组织，可含性别、出生日期、入党日期、转正日期、党员编号、联系电话。' +
          '先逐行检查，有任何错误则不导入任何数据；按党员编号（或姓名加出生日期）匹配已有党员，' +
          '花名册中没有的党员保留不变。'}
      </Typography.Paragraph>
      <Form layout="vertical" style={{ maxWidth: 560 }} onFinish={() => void submit()}>
        <Form.Item label="花名册文件" htmlFor="roster-file" required>
          <Flex gap={8} align="center" wrap>
            <input
              ref={input}
              id="roster-file"
              type="file"
              accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              style={{ display: 'none' }}
              onChange={(event) => {
                setFile(event.target.files?.[0] ?? null);
                setResult(null);
                setRefusal(null);
              }}
            />
            <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>
              选择文件
            </Button>
            <Typography.Text type={file ? undefined : 'secondary'}>
              {file ? file.name : '尚未选择文件'}
            </Typography.Text>
          </Flex>
        </Form.Item>
        <Form.Item
          label="状态变更原因（可选）"
          htmlFor="roster-reason"
          extra="花名册中的人员类别与系统中不同时，须填写原因，变更记入审计记录。"
        >
          <Input
            id="roster-reason"
            value={reason}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            placeholder="如：2026 年度党员信息核对"
          />
        </Form.Item>
        <Form.Item>
          <Checkbox checked={dryRun} onChange={(event) => setDryRun(event.target.checked)}>
            仅检查，不导入
          </Checkbox>
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={!file || busy}>
          {busy ? '导入中…' : dryRun ? '开始检查' : '开始导入'}
        </Button>
      </Form>

      {result && (
        <Result
          status="success"
          title={result.dryRun ? '检查通过，未写入任何数据' : '导入完成'}
          subTitle={file?.name}
          extra={
            <Flex vertical gap={24} align="center">
              <Flex gap={48} justify="center" wrap>
                <Statistic
                  title={result.dryRun ? '将新增' : '新增'}
                  value={result.created}
                  suffix="人"
                />
                <Statistic
                  title={result.dryRun ? '将更新' : '更新'}
                  value={result.updated}
                  suffix="人"
                />
                <Statistic title="无变化" value={result.unchanged} suffix="人" />
              </Flex>
              {result.dryRun && result.created + result.updated > 0 && (
                <Button
                  type="primary"
                  disabled={busy}
                  onClick={() => {
                    setDryRun(false);
                    void submit(false);
                  }}
                >
                  按检查结果导入
                </Button>
              )}
            </Flex>
          }
        />
      )}

      {refusal && (
        <div>
          <Alert
            type="error"
            showIcon
            role="alert"
            title={refusal.message}
            description={
              refusal.rows && refusal.rows.errorCount > refusal.rows.errors.length
                ? `共 ${refusal.rows.errorCount} 处错误，下面列出前 ${refusal.rows.errors.length} 处。`
                : undefined
            }
            style={{ marginBottom: 12 }}
          />
          {refusal.rows && (
            <Table<RowError>
              rowKey={(row) => `${row.row}-${row.column ?? ''}-${row.reason}`}
              size="small"
              aria-label="花名册错误"
              dataSource={refusal.rows.errors}
              pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
              columns={[
                { title: '行号', dataIndex: 'row', width: 80 },
                {
                  title: '列',
                  dataIndex: 'column',
                  width: 120,
                  render: (v: string | null) => v ?? '整行',
                },
                { title: '原因', dataIndex: 'reason', render: (v: string) => rosterReason(v) },
              ]}
            />
          )}
        </div>
      )}
    </Flex>
  );
}
