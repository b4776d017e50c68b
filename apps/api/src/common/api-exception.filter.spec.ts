import { describe, expect, it, jest } from '@jest/globals';
import { RuntimeException, RuntimeExceptionCode } from '@app/store';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { errorBody } from './api-exception.filter.js';
import { HttpProblem } from './http-problem.js';
import { httpStatusOf } from './runtime-status.js';
import { invalidRequest } from './validation.js';

const request = { method: 'POST', url: '/api/tasks/1/complete' };

describe('the api error body', () => {
  it('maps every runtime code to one status', () => {
    const statuses = Object.fromEntries(
      Object.values(RuntimeExceptionCode).map((code) => [code, httpStatusOf(code)]),
    );
    expect(statuses).toEqual({
      TEMPLATE_INVALID: 422,
      TEMPLATE_NOT_FOUND: 404,
      INSTANCE_NOT_FOUND: 404,
      BULK_START_NOT_FOUND: 404,
      INSTANCE_NOT_ACTIVE: 409,
      DUPLICATE_BUSINESS_KEY: 409,
      TASK_NOT_FOUND: 404,
      TASK_NOT_OPEN: 409,
      TASK_CLAIMED: 409,
      INVALID_VARIABLES: 400,
      INVALID_COMMAND: 400,
    });
  });

  it('answers a runtime refusal with its status, code, message and details', () => {
    const details = [{ elementId: 'f1', bpmnType: 'bpmn:SequenceFlow', message: 'no target' }];
    const error = new RuntimeException(RuntimeExceptionCode.TEMPLATE_INVALID, 'invalid', details);
    expect(errorBody(error, request, jest.fn())).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: '流程模板有误，未能部署（invalid）',
      code: 'TEMPLATE_INVALID',
      details,
    });
  });

  it("answers a library's English refusal in Chinese, and a Chinese one as it is", () => {
    const claimed = new RuntimeException(RuntimeExceptionCode.TASK_CLAIMED, "claimed by 'u1'");
    expect(errorBody(claimed, request, jest.fn()).message).toBe(
      "该任务已由他人认领（claimed by 'u1'）",
    );
    const named = new RuntimeException(RuntimeExceptionCode.TASK_CLAIMED, '该任务已由王芳认领');
    expect(errorBody(named, request, jest.fn()).message).toBe('该任务已由王芳认领');
    // An English sentence quoting a Chinese term is still English: the input or state refused
    // (400, 409, 413, 422) keeps it in brackets, until its throw site says it in Chinese
    const quoting = new RuntimeException(
      RuntimeExceptionCode.INVALID_COMMAND,
      "cannot close (销号) 1 of 3 ledger items: 'x' is open",
    );
    expect(errorBody(quoting, request, jest.fn()).message).toBe(
      "流程当前状态不允许此操作（cannot close (销号) 1 of 3 ledger items: 'x' is open）",
    );
    // A 404 or 403 says the sentence alone (no id, nothing to tell apart)
    const missing = new RuntimeException(RuntimeExceptionCode.TASK_NOT_FOUND, "no task 'x'");
    expect(errorBody(missing, request, jest.fn()).message).toBe('未找到该任务');
    // Field problems are summed up in the message: a Chinese one as it is, else its field named
    const variables = new RuntimeException(RuntimeExceptionCode.INVALID_VARIABLES, 'bad', [
      { field: 'summary', message: '必填' },
      { field: 'x', message: 'is required' },
    ]);
    expect(errorBody(variables, request, jest.fn()).message).toBe(
      '表单填写有误：必填；字段 x 有误',
    );
  });

  it('gives HTTP errors without a code the generic code of their status, in Chinese', () => {
    expect(errorBody(new NotFoundException('Cannot GET /api/x'), request, jest.fn())).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: '未找到请求的内容',
      code: 'NOT_FOUND',
    });
    expect(
      errorBody(new BadRequestException(['a is bad', 'b is bad']), request, jest.fn()),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: '请求有误（a is bad; b is bad）',
      code: 'BAD_REQUEST',
    });
    const statuses = [401, 403, 405, 409, 413, 415, 422, 429, 418];
    expect(
      statuses.map((status) => errorBody(new HttpException({}, status), request, jest.fn())),
    ).toEqual(
      [
        ['UNAUTHENTICATED', '请先登录'],
        ['FORBIDDEN', '您没有执行此操作的权限'],
        ['METHOD_NOT_ALLOWED', '不支持此请求方法'],
        ['CONFLICT', '操作与当前状态冲突，请刷新后重试'],
        ['PAYLOAD_TOO_LARGE', '请求内容过大'],
        ['UNSUPPORTED_MEDIA_TYPE', '不支持此内容类型'],
        ['UNPROCESSABLE', '内容无法处理'],
        ['TOO_MANY_REQUESTS', '请求过于频繁，请稍后再试'],
        ['REQUEST_REFUSED', '请求被拒绝'],
      ].map(([code, message], i) =>
        expect.objectContaining({ statusCode: statuses[i], code, message }),
      ),
    );
    expect(
      errorBody(
        new HttpProblem(503, 'redis unavailable', [{ check: 'redis' }]),
        request,
        jest.fn(),
      ),
    ).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: '服务暂时不可用，请稍后重试',
      code: 'SERVICE_UNAVAILABLE',
      details: [{ check: 'redis' }],
    });
  });

  it('keeps a thrown Chinese message and code (a 403 says why)', () => {
    const forbidden = new HttpProblem(403, '只有上级党组织的督导人员可以销号');
    expect(errorBody(forbidden, request, jest.fn())).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: '只有上级党组织的督导人员可以销号',
      code: 'FORBIDDEN',
    });
    const coded = new HttpProblem(409, 'name taken', undefined, 'CHANNEL_NAME_TAKEN');
    expect(errorBody(coded, request, jest.fn())).toEqual(
      expect.objectContaining({
        code: 'CHANNEL_NAME_TAKEN',
        message: '该党组织已有同名通知渠道（name taken）',
      }),
    );
  });

  it('answers invalid fields with VALIDATION_FAILED, one Chinese message per field', () => {
    const details = [
      { field: 'pageSize', message: 'pageSize 必须是 1 到 100 之间的整数' },
      { field: 'name', message: 'name 不能为空' },
    ];
    expect(errorBody(invalidRequest(details), request, jest.fn())).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: '请求内容有误：pageSize 必须是 1 到 100 之间的整数；name 不能为空',
      code: 'VALIDATION_FAILED',
      details,
    });
    // An uncoded 400 with field details is a validation failure too
    const uncoded = new HttpProblem(400, 'invalid request: id', [{ field: 'id', message: 'x' }]);
    expect(errorBody(uncoded, request, jest.fn()).code).toBe('VALIDATION_FAILED');
  });

  it('names malformed JSON', () => {
    const cause = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      type: 'entity.parse.failed',
    });
    const error = new BadRequestException('Unexpected end of JSON input', { cause });
    expect(errorBody(error, request, jest.fn())).toEqual(
      expect.objectContaining({ code: 'MALFORMED_JSON', message: '请求内容不是有效的 JSON' }),
    );
  });

  it('answers anything else with a generic 500 and an error id, logging the cause only', () => {
    const log = jest.fn();
    const cause = new Error('connection to 10.0.0.5:5432 refused: password authentication failed');
    const body = errorBody(cause, request, log);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `服务器内部错误，请稍后重试；如仍出错，请把错误编号告知管理员（错误编号 ${body.errorId}）`,
      code: 'INTERNAL',
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(JSON.stringify(body)).not.toMatch(/10\.0\.0\.5|password|at .*\.ts/);
    expect(log).toHaveBeenCalledWith(body.errorId, request, cause);
    // A thrown non-Error and a 500 HttpException are treated the same way
    expect(errorBody('oops', request, jest.fn()).statusCode).toBe(500);
    const internal = errorBody(new HttpException('db password wrong', 500), request, jest.fn());
    expect(internal.message).not.toContain('password');
  });
});
