import { describe, expect, it } from '@jest/globals';
import { Driver, effectTrace, simulateFixture, trace } from '../testing/fixtures.js';

const START = '2026-03-02T09:00:00+08:00';

describe('exclusive gateway', () => {
  describe('given conditions in document order (> 1000, then > 100) and a default flow', () => {
    it.each([
      [5000, 'Huge'],
      [500, 'Big'],
      [5, 'Small'],
    ])(
      'when amount is %d, then only the first flow whose condition holds is taken (%s)',
      async (amount, target) => {
        const result = await simulateFixture('exclusive-gateway', {
          start: { at: START, variables: { amount } },
          steps: [],
        });

        expect(trace(result)).toEqual([
          'element.activated Start',
          'element.completed Start',
          'element.activated Gw',
          'element.completed Gw',
          `element.activated ${target}`,
        ]);
        expect(result.openTasks.map((task) => task.elementId)).toEqual([target]);
      },
    );
  });

  describe('given a gateway without a default flow', () => {
    it('when no condition holds, then an incident names the gateway and the instance shows `incident`', async () => {
      const result = await simulateFixture('exclusive-no-default', {
        start: { at: START, variables: { score: 30 } },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toEqual([
        {
          elementId: 'Decide',
          message:
            "no outgoing sequence flow of exclusive gateway 'Decide' has a true condition, and there is no default flow",
        },
      ]);
      expect(trace(result).slice(-2)).toEqual(['element.activated Decide', 'incident Decide']);
      expect(result.openTasks).toEqual([]);
    });

    it('when a condition reads a variable that does not exist, then an incident names the gateway and the flow', async () => {
      const result = await simulateFixture('exclusive-no-default', {
        start: { at: START },
        steps: [],
      });

      expect(result.state).toBe('incident');
      expect(result.incidents).toHaveLength(1);
      expect(result.incidents[0]?.elementId).toBe('Decide');
      expect(result.incidents[0]?.message).toMatch(/^condition of sequence flow 'fYes' failed: /);
      expect(result.incidents[0]?.message).toContain('score');
    });

    it('when the incident is resolved with the missing variable, then the gateway decides again and the token moves on', async () => {
      const driver = await Driver.start('exclusive-no-default');
      const incident = Object.values(driver.state.incidents)[0];
      if (!incident) throw new Error('expected an incident');

      driver.send({ type: 'resolveIncident', incidentKey: incident.key, variables: { score: 75 } });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Decide',
        'variables.set score',
        'element.completed Decide',
        'element.activated Yes',
        'task.created Yes',
      ]);
      expect(driver.state.incidents).toEqual({});
      expect(driver.variables).toEqual({ score: 75 });
      expect(Object.values(driver.state.elements).find((e) => e.elementId === 'Decide')).toBe(
        undefined,
      );
    });

    it('when the incident is resolved without fixing anything, then a new incident is raised', async () => {
      const driver = await Driver.start('exclusive-no-default', { variables: { score: 10 } });
      const incident = Object.values(driver.state.incidents)[0];
      if (!incident) throw new Error('expected an incident');

      driver.send({ type: 'resolveIncident', incidentKey: incident.key });

      expect(effectTrace(driver.effects)).toEqual([
        'incident.resolved Decide',
        'incident.created Decide',
      ]);
      expect(Object.keys(driver.state.incidents)).toHaveLength(1);
      expect(Object.keys(driver.state.incidents)).not.toContain(incident.key);
    });
  });
});
