import { HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { HttpProblem } from './http-problem.js';

/** A path parameter that must be a UUID (400 naming it otherwise, before any query runs). */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      version: 'all',
      exceptionFactory: () =>
        new HttpProblem(HttpStatus.BAD_REQUEST, `invalid request: ${name}`, [
          { field: name, message: `${name} must be a UUID` },
        ]),
    }),
  );
}
