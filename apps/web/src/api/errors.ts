/** A refusal from the api: `{ statusCode, error, message, code?, details? }`, in Chinese for people. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** The HTTP status; 0 when the api could not be reached. */
    readonly status: number,
    /** What to show a person (Chinese). */
    message: string,
    /** The api's stable code (e.g. `TASK_NOT_OPEN`, `INVALID_VARIABLES`), when it gave one. */
    readonly code: string | undefined,
    /** The fields the refusal concerns (`details: [{ field, message }]`). */
    readonly fields: readonly FieldProblem[],
    /** The raw `details` (e.g. a template's `[{ elementId, bpmnType, message }]`). */
    readonly details: unknown,
  ) {
    super(message);
  }

  /** A lost connection or a failure of the server: the page offers to try again. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

const BY_STATUS: Record<number, string> = {
  400: '提交的内容有误，请检查后重试',
  401: '登录已失效，请重新登录',
  403: '您没有权限进行此操作',
  404: '页面不存在或您无权查看',
  409: '数据已被他人更新，请刷新后重试',
  413: '文件或内容过大',
  415: '不支持的文件类型',
  422: '内容未通过校验',
  429: '操作过于频繁，请稍后再试',
  503: '服务暂时不可用，请稍后重试',
};

const HAS_HAN = /[\u4e00-\u9fff]/;

/** A readable Chinese message for a status when the api's own is not Chinese. */
export function statusMessage(status: number): string {
  if (status === 0) return '无法连接服务器，请检查网络后重试';
  return BY_STATUS[status] ?? (status >= 500 ? '服务器出错了，请稍后重试' : '请求未能完成');
}

function fieldsOf(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  const fields: FieldProblem[] = [];
  for (const entry of details as unknown[]) {
    if (entry && typeof entry === 'object') {
      const { field, message } = entry as { field?: unknown; message?: unknown };
      if (typeof field === 'string' && typeof message === 'string') fields.push({ field, message });
    }
  }
  return fields;
}

/** Reads an api error body (or none) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const apiMessage = typeof raw.message === 'string' ? raw.message : undefined;
  const message =
    apiMessage && (HAS_HAN.test(apiMessage) || status === 403) && status < 500
      ? apiMessage
      : statusMessage(status);
  const code = typeof raw.code === 'string' ? raw.code : undefined;
  return new ApiError(status, message, code, fieldsOf(raw.details), raw.details);
}

/** Any thrown value as an ApiError (a TypeError from fetch is a lost connection). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, statusMessage(0), undefined, [], undefined);
}
