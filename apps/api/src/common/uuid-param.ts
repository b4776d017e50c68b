import { Param, ParseUUIDPipe } from '@nestjs/common';
import { invalidRequest } from './validation.js';

/** A path parameter that must be a UUID (400 naming it otherwise, before any query runs). */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      version: 'all',
      exceptionFactory: () => invalidRequest([{ field: name, message: `${name} 必须是 UUID` }]),
    }),
  );
}
