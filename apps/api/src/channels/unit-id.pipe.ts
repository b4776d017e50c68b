import { HttpStatus, type PipeTransform } from '@nestjs/common';
import { HttpProblem } from '../common/http-problem.js';

const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** An org unit id in the path: 400 naming it unless lower-case letters, digits and `-`. */
export class UnitIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && UNIT_ID.test(value)) return value;
    throw new HttpProblem(HttpStatus.BAD_REQUEST, 'invalid request: id', [
      { field: 'id', message: 'id must be an org unit id (lower-case letters, digits, -)' },
    ]);
  }
}
