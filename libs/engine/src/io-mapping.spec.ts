import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture } from './testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';
const order = { total: 100, customer: { name: 'Amy Ma' } };

function keyOf(driver: Driver, elementId: string): string {
  const element = Object.values(driver.state.elements).find((e) => e.elementId === elementId);
  if (!element) throw new Error(`'${elementId}' is not active`);
  return element.key;
}

describe('zeebe:ioMapping', () => {
  describe('given input mappings on a user task (FEEL paths and a static value)', () => {
    it('when the task is activated, then the inputs are local variables of the task, visible to its assignee expression', async () => {
      const driver = await Driver.start('io-mapping', { variables: { order } });

      expect(driver.state.variables[keyOf(driver, 'Quote')]).toEqual({
        total: 100,
        clerk: 'Amy Ma',
        tier: 'standard',
      });
      expect(driver.task('Quote').assignee).toBe('Amy Ma');
      expect(driver.variables).toEqual({ order });
    });
  });

  describe('given output mappings on a user task', () => {
    it('when the task completes, then only the outputs reach the process scope (the completion variables stay local)', async () => {
      const driver = await Driver.start('io-mapping', { variables: { order } });
      driver.complete('Quote', { approved: true, comment: 'ok' });

      expect(driver.variables).toEqual({ order, doubled: 200, quoteApproved: true });
      expect(effectTrace(driver.effects).slice(0, 3)).toEqual([
        'task.completed Quote',
        'variables.set doubled,quoteApproved',
        'element.completed Quote',
      ]);
    });
  });

  describe('given input and output mappings on an embedded sub-process', () => {
    it('when the sub-process is activated, then its inputs are local to it and visible inside', async () => {
      const driver = await Driver.start('io-mapping', { variables: { order } });
      driver.complete('Quote', { approved: true });

      expect(driver.state.variables[keyOf(driver, 'Sub')]).toEqual({ base: 201 });
    });

    it('when it completes, then the outputs reach the process scope and its locals do not', async () => {
      const result = await simulateFixture('io-mapping', {
        start: { at: START, variables: { order } },
        steps: [
          { complete: 'Quote', variables: { approved: false } },
          { complete: 'Adjust', variables: { note: 'rounded' } },
          { complete: 'After' },
        ],
      });

      expect(result.state).toBe('completed');
      expect(result.variables).toEqual({
        order,
        doubled: 200,
        quoteApproved: false,
        note: 'rounded',
        final: 2010,
      });
    });
  });

  describe('given an output mapping that cannot be evaluated to a JSON value', () => {
    it('when the task completes, then an incident names the element and the task is no longer open', async () => {
      const result = await simulateFixture('io-mapping-bad', {
        start: { at: START },
        steps: [{ complete: 'Calc', variables: { note: 'n' } }],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toHaveLength(1);
      expect(result.incidents[0]?.elementId).toBe('Calc');
      expect(result.incidents[0]?.message).toContain('cannot be stored as a JSON value');
      expect(result.openTasks).toEqual([]);
    });

    it('when the incident is resolved with variables that fix it, then the completion is retried with its variables', async () => {
      const driver = await Driver.start('io-mapping-bad');
      driver.complete('Calc', { note: 'n' });
      const incident = Object.values(driver.state.incidents)[0];
      expect(incident).toMatchObject({ retry: 'complete', variables: { note: 'n' } });

      driver.send({
        type: 'resolveIncident',
        incidentKey: incident?.key ?? '',
        variables: { ok: true },
      });

      expect(driver.state.status).toBe('completed');
      expect(driver.variables).toEqual({ ok: true, shout: 'fine' });
    });
  });
});
