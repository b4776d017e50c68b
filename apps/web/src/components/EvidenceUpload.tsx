import { CameraOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Flex,
  Typography,
  Upload,
  type UploadProps,
  message as antMessage,
} from 'antd';
import { useState } from 'react';
import { asApiError, toApiError } from '../api/errors';
import type { components } from '../api/schema';

type UploadRequestOption = Parameters<NonNullable<UploadProps['customRequest']>>[0];

export type Attachment = components['schemas']['LedgerAttachmentDto'];

/** The files the api takes as evidence (their bytes decide; this only guides the picker). */
export const EVIDENCE_ACCEPT =
  'image/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.heic,.heif,video/mp4';

interface Props {
  /** The ledger item the evidence belongs to. */
  readonly itemId: string;
  /** Called with each file the api kept. */
  readonly onUploaded?: (attachment: Attachment) => void;
  readonly disabled?: boolean;
}

/** Posts one file as multipart/form-data (the session cookie and the CSRF header go along). */
async function uploadEvidence(itemId: string, file: File): Promise<Attachment> {
  const body = new FormData();
  body.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(`/api/ledger/items/${encodeURIComponent(itemId)}/attachments`, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
  } catch (error) {
    throw asApiError(error);
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, payload);
  return payload as Attachment;
}

/**
 * 佐证材料: photos (from the phone's camera too), scanned minutes as PDF, Office files. One
 * request per file; a refusal (too large, a type the api does not take) is shown in Chinese.
 */
export function EvidenceUpload({ itemId, onUploaded, disabled }: Props) {
  const [message, messageHolder] = antMessage.useMessage();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(0);

  const request = (options: UploadRequestOption) => {
    const file = options.file as File;
    setBusy((n) => n + 1);
    setProblem(null);
    uploadEvidence(itemId, file).then(
      (attachment) => {
        options.onSuccess?.(attachment);
        void message.success(`已上传「${attachment.fileName}」`);
        onUploaded?.(attachment);
        setBusy((n) => n - 1);
      },
      (error: unknown) => {
        const refused = asApiError(error);
        setProblem(`「${file.name}」未能上传：${refused.message}`);
        options.onError?.(refused);
        setBusy((n) => n - 1);
      },
    );
  };

  return (
    <Flex vertical gap={8}>
      {messageHolder}
      <Flex gap={8} wrap>
        <Upload
          accept={EVIDENCE_ACCEPT}
          multiple
          showUploadList={false}
          customRequest={request}
          disabled={disabled}
        >
          <Button icon={<UploadOutlined />} loading={busy > 0} disabled={disabled}>
            上传佐证材料
          </Button>
        </Upload>
        <Upload
          accept="image/*"
          capture="environment"
          showUploadList={false}
          customRequest={request}
          disabled={disabled}
        >
          <Button icon={<CameraOutlined />} disabled={disabled}>
            拍照上传
          </Button>
        </Upload>
      </Flex>
      <Typography.Text type="secondary" style={{ fontSize: 13 }}>
        可上传照片、PDF 扫描件、Office 文档或 MP4 视频。
      </Typography.Text>
      {problem && <Alert type="error" showIcon title={problem} role="alert" />}
    </Flex>
  );
}
