import type { PipeTransform } from '@nestjs/common';
import { invalidRequest } from '../common/validation.js';

const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** An org unit id in the path: 400 naming it unless lower-case letters, digits and `-`. */
export class UnitIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && UNIT_ID.test(value)) return value;
    throw invalidRequest([
      { field: 'id', message: 'id 必须是党组织编号（小写字母、数字和 -，最多 63 个字符）' },
    ]);
  }
}
