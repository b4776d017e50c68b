import { type JsonValue, isExpression } from '@app/feel';
import { addDuration, parseDateTime, parseDuration } from '@app/time';
import { IncidentError } from '../errors.js';
import type { Run } from '../run.js';

/**
 * Reads of task attributes that may be static or FEEL: each checks the type it needs and
 * says which attribute of which element had what, when it is wrong.
 */
export class AttributeReader {
  private scope: Record<string, JsonValue> | undefined;

  constructor(
    private readonly run: Run,
    private readonly key: string,
    private readonly elementId: string,
  ) {}

  private value(attribute: string): JsonValue {
    if (!isExpression(attribute)) return attribute;
    this.scope ??= this.run.visibleVariables(this.key);
    return this.run.evaluateAttribute(attribute, this.scope);
  }

  private fail(label: string, attribute: string, value: JsonValue, expected: string): never {
    throw new IncidentError(
      `${label} of '${this.elementId}' ("${attribute}") evaluated to ${JSON.stringify(value)}, expected ${expected}`,
    );
  }

  /** A string (numbers are written as text), or null when absent or null. */
  string(label: string, attribute: string | null): string | null {
    if (attribute === null) return null;
    const value = this.value(attribute);
    if (value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    return this.fail(label, attribute, value, 'a string');
  }

  /** A list of strings: a FEEL list, or a comma-separated text. */
  list(label: string, attribute: string | null): string[] {
    if (attribute === null) return [];
    const value = this.value(attribute);
    if (value === null) return [];
    if (typeof value === 'string') return splitList(value);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      return value;
    }
    return this.fail(label, attribute, value, 'a list of strings');
  }

  /** An instant: an ISO date-time, or an ISO duration counted from now. */
  instant(label: string, attribute: string | null): number | null {
    if (attribute === null) return null;
    const value = this.value(attribute);
    if (value === null) return null;
    if (typeof value === 'string') {
      const text = value.trim();
      try {
        return text.startsWith('P') || text.startsWith('-P')
          ? addDuration(this.run.now, parseDuration(text), this.run.zone)
          : parseDateTime(text, this.run.zone);
      } catch {
        // reported below
      }
    }
    return this.fail(label, attribute, value, 'an ISO-8601 date-time or duration');
  }

  number(label: string, attribute: string | null): number | null {
    if (attribute === null) return null;
    const value = this.value(attribute);
    if (value === null) return null;
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number)) return number;
    return this.fail(label, attribute, value, 'a number');
  }
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
