import { describe, expect, it } from '@jest/globals';
import { effectiveDue, trafficLight } from './traffic-light.js';

const NOW = Date.parse('2026-03-10T09:00:00+08:00');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('trafficLight', () => {
  it('is red one millisecond after the due time, yellow at it', () => {
    expect(trafficLight({ state: 'open', dueAt: NOW - 1 }, NOW, 3)).toBe('red');
    expect(trafficLight({ state: 'open', dueAt: NOW }, NOW, 3)).toBe('yellow');
  });

  it('is yellow up to exactly N days before, green beyond', () => {
    expect(trafficLight({ state: 'in_progress', dueAt: NOW + 3 * DAY }, NOW, 3)).toBe('yellow');
    expect(trafficLight({ state: 'in_progress', dueAt: NOW + 3 * DAY + 1 }, NOW, 3)).toBe('green');
  });

  it('is green without a deadline, and shines on submitted items', () => {
    expect(trafficLight({ state: 'open', dueAt: null }, NOW, 3)).toBe('green');
    expect(trafficLight({ state: 'submitted', dueAt: new Date(NOW - DAY) }, NOW, 3)).toBe('red');
  });

  it('is off (null) once closed or cancelled', () => {
    expect(trafficLight({ state: 'closed', dueAt: NOW - DAY }, NOW, 3)).toBeNull();
    expect(trafficLight({ state: 'cancelled', dueAt: NOW - DAY }, NOW, 3)).toBeNull();
  });

  it('with N = 0 only the due instant itself is yellow', () => {
    expect(trafficLight({ state: 'open', dueAt: NOW + 1 }, NOW, 0)).toBe('green');
    expect(trafficLight({ state: 'open', dueAt: NOW }, NOW, 0)).toBe('yellow');
  });

  it('given an item opened after its due time, when read within the grace, then it is not red', () => {
    const item = { state: 'open' as const, dueAt: NOW - 5 * DAY, createdAt: NOW - HOUR };
    expect(effectiveDue(item, 3)).toBe(NOW - HOUR + 3 * DAY);
    expect(trafficLight(item, NOW, 3, 3)).toBe('yellow');
    expect(trafficLight(item, NOW - HOUR + 3 * DAY + 1, 3, 3)).toBe('red');
    expect(trafficLight(item, NOW, 3, 0)).toBe('red');
  });

  it('given an item opened well before its due time, then the grace changes nothing', () => {
    const item = { state: 'open' as const, dueAt: NOW + DAY, createdAt: NOW - 10 * DAY };
    expect(effectiveDue(item, 3)).toBe(NOW + DAY);
    expect(effectiveDue({ dueAt: null, createdAt: NOW }, 3)).toBeNull();
  });
});
