import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error response (see ApiExceptionFilter and messages.ts). */
export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict', description: 'The HTTP reason phrase.' })
  error!: string;

  @ApiProperty({
    example: '该任务已完成，不能再办理',
    description:
      'What went wrong, in Chinese, for the person in front of the screen; its wording may ' +
      'change: switch on `code`.',
  })
  message!: string;

  @ApiProperty({
    example: 'TASK_NOT_OPEN',
    description:
      'The stable code of the error, always present (apps/api/README.md, "Error codes"): the ' +
      'domain’s own (TASK_CLAIMED, LEDGER_WRONG_STATE, UNIT_NOT_FOUND, …) or, for an error ' +
      'without one, its status’s generic code (VALIDATION_FAILED, MALFORMED_JSON, ' +
      'UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, ' +
      'TOO_MANY_REQUESTS, INTERNAL, …).',
  })
  code!: string;

  @ApiPropertyOptional({
    description:
      'What exactly is wrong: `[{ field, message }]` for invalid requests and form values ' +
      '(`field` the path, `message` in Chinese), ' +
      '`[{ elementId, bpmnType, message }]` for an invalid template; an object for some ' +
      'refusals (e.g. `{ state }`, `{ claimedBy }`, a roster’s `{ errors }`).',
    oneOf: [
      { type: 'array', items: { type: 'object', additionalProperties: true } },
      { type: 'object', additionalProperties: true },
    ],
  })
  details?: unknown;

  @ApiPropertyOptional({ description: 'Only on 500: the id under which the cause was logged.' })
  errorId?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (details name the fields).',
  401: 'No valid token or session.',
  403: 'Not allowed for your roles (message says why).',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  413: 'Too large.',
  415: 'Unsupported media type.',
  422: 'Well-formed but refused: an invalid template, roster rows, a move (details say what).',
  429: 'Too many requests.',
  503: 'A dependency is unavailable.',
};

/** Documents the error responses of an operation, all with the common error body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error.',
        type: ErrorResponseDto,
      }),
    ),
  );
}
