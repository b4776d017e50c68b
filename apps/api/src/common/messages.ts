import { HttpStatus } from '@nestjs/common';

/**
 * The codes of errors no domain names: the exception filter gives every error without its
 * own `code` one of these, by status (a client can always switch on `code`).
 */
export enum GenericCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  BAD_REQUEST = 'BAD_REQUEST',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  CONFLICT = 'CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  UNPROCESSABLE = 'UNPROCESSABLE',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  REQUEST_REFUSED = 'REQUEST_REFUSED',
  INTERNAL = 'INTERNAL',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
}

/** The generic code of an error answered with `status` and no code of its own. */
export function genericCodeOf(status: number): GenericCode {
  return (
    BY_STATUS.get(status) ?? (status >= 500 ? GenericCode.INTERNAL : GenericCode.REQUEST_REFUSED)
  );
}

const BY_STATUS: ReadonlyMap<number, GenericCode> = new Map<number, GenericCode>([
  [HttpStatus.BAD_REQUEST, GenericCode.BAD_REQUEST],
  [HttpStatus.UNAUTHORIZED, GenericCode.UNAUTHENTICATED],
  [HttpStatus.FORBIDDEN, GenericCode.FORBIDDEN],
  [HttpStatus.NOT_FOUND, GenericCode.NOT_FOUND],
  [HttpStatus.METHOD_NOT_ALLOWED, GenericCode.METHOD_NOT_ALLOWED],
  [HttpStatus.NOT_ACCEPTABLE, GenericCode.NOT_ACCEPTABLE],
  [HttpStatus.CONFLICT, GenericCode.CONFLICT],
  [HttpStatus.PAYLOAD_TOO_LARGE, GenericCode.PAYLOAD_TOO_LARGE],
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE, GenericCode.UNSUPPORTED_MEDIA_TYPE],
  [HttpStatus.UNPROCESSABLE_ENTITY, GenericCode.UNPROCESSABLE],
  [HttpStatus.TOO_MANY_REQUESTS, GenericCode.TOO_MANY_REQUESTS],
  [HttpStatus.SERVICE_UNAVAILABLE, GenericCode.SERVICE_UNAVAILABLE],
]);

/**
 * What a person reads for each code (the web app shows `message`): one sentence in Chinese
 * saying what went wrong. A throw site may answer a more precise Chinese sentence; a message
 * without Chinese in it (a library's English refusal) is answered with this one instead, and
 * its `details` stay as they are for machines.
 */
export const MESSAGES: Readonly<Record<string, string>> = {
  // Generic, by status
  VALIDATION_FAILED: '请求内容有误',
  MALFORMED_JSON: '请求内容不是有效的 JSON',
  BAD_REQUEST: '请求有误',
  UNAUTHENTICATED: '请先登录',
  FORBIDDEN: '您没有执行此操作的权限',
  NOT_FOUND: '未找到请求的内容',
  METHOD_NOT_ALLOWED: '不支持此请求方法',
  NOT_ACCEPTABLE: '无法提供所要求的格式',
  CONFLICT: '操作与当前状态冲突，请刷新后重试',
  PAYLOAD_TOO_LARGE: '请求内容过大',
  UNSUPPORTED_MEDIA_TYPE: '不支持此内容类型',
  UNPROCESSABLE: '内容无法处理',
  TOO_MANY_REQUESTS: '请求过于频繁，请稍后再试',
  REQUEST_REFUSED: '请求被拒绝',
  INTERNAL: '服务器内部错误，请稍后重试；如仍出错，请把错误编号告知管理员',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后重试',
  // The runtime
  TEMPLATE_INVALID: '流程模板有误，未能部署',
  TEMPLATE_NOT_FOUND: '未找到该流程模板',
  INSTANCE_NOT_FOUND: '未找到该流程实例',
  BULK_START_NOT_FOUND: '未找到该批量下达',
  INSTANCE_NOT_ACTIVE: '该流程实例已结束或已取消',
  DUPLICATE_BUSINESS_KEY: '该业务编号已有进行中的流程实例',
  TASK_NOT_FOUND: '未找到该任务',
  TASK_NOT_OPEN: '该任务已完成或已取消',
  TASK_CLAIMED: '该任务已由他人认领',
  INVALID_VARIABLES: '表单填写有误',
  INVALID_COMMAND: '流程当前状态不允许此操作',
  // The ledger (挂账销号)
  LEDGER_ITEM_NOT_FOUND: '未找到该台账事项',
  LEDGER_ATTACHMENT_NOT_FOUND: '未找到该佐证材料',
  LEDGER_WRONG_STATE: '该台账事项当前状态不允许此操作',
  LEDGER_EVIDENCE_REQUIRED: '请先填写说明或上传佐证材料',
  LEDGER_REASON_REQUIRED: '请填写退回原因',
  LEDGER_ATTACHMENT_TOO_LARGE: '佐证材料文件过大',
  LEDGER_INVALID_INPUT: '台账事项填写有误',
  // The organisation
  UNIT_NOT_FOUND: '未找到该党组织',
  UNIT_EXISTS: '已有相同编号的党组织',
  INVALID_UNIT: '党组织信息填写有误',
  MEMBER_NOT_FOUND: '未找到该党员',
  USER_NOT_FOUND: '未找到该用户',
  INVALID_ROLE: '角色设置有误',
  INVALID_STATUS: '不允许这样变更党员状态',
  VERSION_CONFLICT: '内容已被他人修改，请刷新后重试',
  UNIT_CLOSED: '该党组织已撤销',
  UNIT_NOT_EMPTY: '该党组织下仍有下级组织、党员或进行中的流程，不能撤销',
  INVALID_MOVE: '不能把党组织移到该位置',
  INVALID_MEMBER: '党员信息填写有误',
  MEMBER_EXISTS: '该党组织已有同名同生日的党员',
  PARTY_NUMBER_TAKEN: '该党员编号已被他人使用',
  // Roster import
  IMPORT_FILE_ENCODING: '文件编码无法识别，请保存为 UTF-8 或 GBK 编码',
  IMPORT_FILE_TOO_LARGE: '导入文件过大',
  IMPORT_FILE_UNREADABLE: '无法读取该文件，请上传 .xlsx 或 CSV 文件',
  IMPORT_INVALID_ROWS: '花名册中有错误的行，未导入任何数据',
  IMPORT_TOO_MANY_ROWS: '花名册行数超过上限',
  // Accounts and log-in
  LOGIN_FAILED: '用户名或密码错误',
  ACCOUNT_LOCKED: '密码错误次数过多，账号已暂时锁定，请稍后再试',
  TOO_MANY_FAILURES: '登录失败次数过多，请稍后再试',
  PASSWORD_CHANGE_REQUIRED: '请先修改密码',
  CSRF_HEADER_REQUIRED: '请求缺少防跨站伪造的请求头（X-Requested-With）',
  NOT_A_SESSION: '此操作需要登录会话，机器令牌不能使用',
  CURRENT_PASSWORD_WRONG: '当前密码错误',
  PASSWORD_REFUSED: '新密码不符合要求',
  TOKEN_NOT_FOUND: '未找到该令牌',
  LOGIN_NAME_TAKEN: '该登录名已被使用',
  MEMBER_HAS_USER: '该党员已有账号',
  STALE_VERSION: '账号已被他人修改，请刷新后重试',
  USER_DISABLED: '该用户已停用',
  TOKEN_LABEL_TAKEN: '该用户已有同名令牌',
  OUTSIDE_YOUR_SCOPE: '超出您管理的党组织范围',
  INVALID_INPUT: '填写有误',
  // Notification channels
  CHANNEL_NOT_FOUND: '未找到该通知渠道',
  CHANNEL_NAME_TAKEN: '该党组织已有同名通知渠道',
  CHANNEL_VERSION_CONFLICT: '通知渠道已被他人修改，请刷新后重试',
  CHANNELS_PER_UNIT: '该党组织的通知渠道数量已达上限',
  CHANNEL_URL_REFUSED: '不允许使用该机器人地址',
  CHANNEL_SECRET_REFUSED: '该机器人密钥不可用',
  // Uploads (multipart/form-data)
  MULTIPART_MALFORMED: '上传内容格式有误（不是完整的 multipart/form-data）',
  MULTIPART_FILE_REQUIRED: '请选择要上传的文件',
  MULTIPART_FILE_TOO_LARGE: '上传的文件过大',
  MULTIPART_FIELD_TOO_LARGE: '上传表单中的字段内容过长',
  MULTIPART_TOO_MANY_FILES: '一次上传的文件过多',
  MULTIPART_TOO_MANY_FIELDS: '上传表单中的字段过多',
  LEDGER_ATTACHMENT_TYPE_REFUSED:
    '不支持此类文件作为佐证材料，请上传图片、PDF、Office 文档或 MP4 视频',
  // Template deployment
  DEPLOY_BODY_INVALID: '部署内容有误：请上传 BPMN 文件，或 { bpmn, forms } 格式的内容',
  DEPLOY_MEDIA_TYPE: '部署内容的类型不受支持：请上传 BPMN XML 或 JSON',
};

const CJK = /[\u3400-\u9fff]/g;
const LATIN_WORD = /[A-Za-z]+/g;

/**
 * Whether `text` is written in Chinese: it holds Chinese characters, at least one for every
 * two latin words (field names and ids may appear in a Chinese sentence; an English sentence
 * quoting 销号 is still English).
 */
export function isChinese(text: string): boolean {
  const chinese = text.match(CJK)?.length ?? 0;
  return chinese > 0 && chinese * 2 >= (text.match(LATIN_WORD)?.length ?? 0);
}

/** The catalogue's sentence for `code` (the generic one of `status` for an unknown code). */
export function messageFor(code: string, status: number = HttpStatus.BAD_REQUEST): string {
  return MESSAGES[code] ?? MESSAGES[genericCodeOf(status)];
}

/** Chinese names of the roles, as a person reads them in a refusal. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  secretary: '党组织书记',
  member: '党员',
  supervisor: '督导人员',
  integrator: '流程管理员',
  admin: '组织管理员',
};

/** 「书记或督导人员」: the roles a refusal names, in Chinese. */
export function roleNames(roles: readonly string[]): string {
  return roles.map((role) => ROLE_NAMES[role] ?? role).join('或');
}

/**
 * The summary of a list of field problems: the first three messages (each names its field),
 * and how many more there are.
 */
export function problemsSummary(
  lead: string,
  problems: readonly { readonly message: string }[],
): string {
  if (problems.length === 0) return lead;
  const shown = problems.slice(0, 3).map((problem) => problem.message);
  const more = problems.length > shown.length ? `……（共 ${problems.length} 处）` : '';
  return `${lead}：${shown.join('；')}${more}`;
}

/** passwordProblem's reason (libs/org, English for the cli) as a person reads it here. */
export function passwordProblemText(problem: string): string {
  const length = /^must be at (least|most) (\d+) characters$/.exec(problem);
  if (length) return `${length[1] === 'least' ? '至少' : '最多'} ${length[2]} 个字符`;
  if (problem === 'must not contain the login name') return '不能包含登录名';
  if (problem === 'is one of the commonest passwords') return '过于常见，请换一个';
  return `不符合要求（${problem}）`;
}
