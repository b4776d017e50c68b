import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Matches } from 'class-validator';
import type { FieldProblem } from './http-problem.js';

/**
 * Flattens class-validator's tree into one problem per field (by path), its failed
 * constraints' messages joined, the basic type check first.
 */
export function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    // Decorators apply bottom-up: the last constraint is the first one written.
    const messages = Object.values(error.constraints ?? {}).reverse();
    if (messages.length > 0) problems.push({ field, message: messages.join('; ') });
    problems.push(...fieldProblems(error.children ?? [], field));
  }
  return problems;
}

/**
 * A required text that must hold more than white space (the service stores it trimmed, so
 * `"   "` would be stored as an empty text).
 */
export function NotBlank(field: string): PropertyDecorator {
  return Matches(/\S/, { message: `${field} must not be blank` });
}

/** The global pipe: unknown properties are refused, payloads become DTO instances. */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = fieldProblems(errors);
      return new BadRequestException({
        message: `invalid request: ${details.map((problem) => problem.field).join(', ')}`,
        details,
      });
    },
  });
}
