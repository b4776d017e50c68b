import { describe, expect, it, jest } from '@jest/globals';
import { RuntimeException, RuntimeExceptionCode } from '@app/store';
import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { errorBody } from './api-exception.filter.js';
import { HttpProblem } from './http-problem.js';
import { httpStatusOf } from './runtime-status.js';

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
      message: 'invalid',
      code: 'TEMPLATE_INVALID',
      details,
    });
  });

  it('keeps the status and message of HTTP errors, joining message lists', () => {
    expect(errorBody(new NotFoundException('Cannot GET /api/x'), request, jest.fn())).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /api/x',
    });
    expect(
      errorBody(new BadRequestException(['a is bad', 'b is bad']), request, jest.fn()),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'a is bad; b is bad',
    });
    expect(
      errorBody(
        new HttpProblem(503, 'redis unavailable', [{ check: 'redis' }]),
        request,
        jest.fn(),
      ),
    ).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'redis unavailable',
      details: [{ check: 'redis' }],
    });
  });

  it('names malformed JSON', () => {
    const cause = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      type: 'entity.parse.failed',
    });
    const error = new BadRequestException('Unexpected end of JSON input', { cause });
    expect(errorBody(error, request, jest.fn()).message).toBe(
      'malformed JSON in the request body: Unexpected end of JSON input',
    );
  });

  it('answers anything else with a generic 500 and an error id, logging the cause only', () => {
    const log = jest.fn();
    const cause = new Error('connection to 10.0.0.5:5432 refused: password authentication failed');
    const body = errorBody(cause, request, log);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: `an unexpected error occurred; quote error id ${body.errorId} when reporting it`,
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
