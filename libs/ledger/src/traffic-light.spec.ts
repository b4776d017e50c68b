import { describe, expect, it } from '@jest/globals';
import { trafficLight } from './traffic-light.js';

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
});
