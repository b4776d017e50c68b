import { ApiError, asApiError, toApiError } from '../../api/errors';
import type { components } from '../../api/schema';

export type DeployResult = components['schemas']['DeployResultDto'];

/** What the person chose: the one .bpmn and its .form files (checked before anything is sent). */
export interface Upload {
  readonly bpmn: File;
  readonly forms: readonly File[];
}

/** The chosen files as an upload, or why they are not one (said in Chinese). */
export function toUpload(files: readonly File[]): Upload | string {
  const bpmn = files.filter((file) => /\.bpmn$/i.test(file.name));
  const forms = files.filter((file) => /\.form$/i.test(file.name));
  const other = files.filter((file) => !bpmn.includes(file) && !forms.includes(file));
  if (other.length > 0) {
    return `只能上传 .bpmn 和 .form 文件：「${other.map((file) => file.name).join('」「')}」不是`;
  }
  if (bpmn.length === 0) return '请选择一个 .bpmn 文件（可同时选择它用到的 .form 表单文件）';
  if (bpmn.length > 1) return `一次只能部署一个 .bpmn 文件，您选择了 ${bpmn.length} 个`;
  if (forms.length > 100) return `一次最多上传 100 个表单文件，您选择了 ${forms.length} 个`;
  return { bpmn: bpmn[0], forms };
}

/**
 * Deploys the files as one multipart/form-data upload (`POST /api/templates`): 201 a new
 * version, 200 unchanged; a refusal is thrown as ApiError (422 TEMPLATE_INVALID with the
 * lint problems in `details`).
 */
export async function deployUpload(upload: Upload): Promise<DeployResult> {
  const body = new FormData();
  body.append('files', upload.bpmn, upload.bpmn.name);
  for (const form of upload.forms) body.append('files', form, form.name);
  let response: Response;
  try {
    response = await fetch('/api/templates', {
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
  return payload as DeployResult;
}

export { ApiError };
