import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error response (see ApiExceptionFilter). */
export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict', description: 'The HTTP reason phrase.' })
  error!: string;

  @ApiProperty({ example: "task '…' is already completed" })
  message!: string;

  @ApiPropertyOptional({
    example: 'TASK_NOT_OPEN',
    description:
      'The runtime refusal code, when the error is one: TEMPLATE_INVALID (422); TEMPLATE_NOT_FOUND, ' +
      'INSTANCE_NOT_FOUND, TASK_NOT_FOUND (404); DUPLICATE_BUSINESS_KEY, TASK_NOT_OPEN, TASK_CLAIMED, ' +
      'INSTANCE_NOT_ACTIVE (409); INVALID_VARIABLES, INVALID_COMMAND (400).',
  })
  code?: string;

  @ApiPropertyOptional({
    description:
      'What exactly is wrong: `[{ field, message }]` for invalid requests and form values, ' +
      '`[{ elementId, bpmnType, message }]` for an invalid template.',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  details?: unknown;

  @ApiPropertyOptional({ description: 'Only on 500: the id under which the cause was logged.' })
  errorId?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (details name the fields).',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  415: 'Unsupported media type.',
  422: 'The template is invalid (details name the elements).',
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
