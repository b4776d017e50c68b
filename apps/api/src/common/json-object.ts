import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional } from 'class-validator';

/**
 * An optional free-form JSON object (process variables): kept exactly as sent — not turned
 * into a class, not stripped by the whitelist — and refused unless it is an object.
 */
export function OptionalJsonObject(description: string, example?: object): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: true, description, example }),
    IsOptional(),
    Transform(({ obj, key }) => (obj as Record<string, unknown>)[key]),
    IsObject({ message: ({ property }) => `${property} 必须是 JSON 对象` }),
  );
}
