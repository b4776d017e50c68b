import { describe, expect, it } from '@jest/globals';
import { FORM_COMPONENT_TYPES, formProblems } from './form-model.js';

describe('form-js model', () => {
  it('given a valid form (groups with paths, a dynamic list, display components), then no problems', () => {
    expect(
      formProblems({
        type: 'default',
        components: [
          { type: 'text', text: '# 计划' },
          { type: 'textfield', key: 'title' },
          { type: 'group', path: 'meeting', components: [{ type: 'datetime', key: 'title' }] },
          {
            type: 'dynamiclist',
            path: 'people',
            components: [{ type: 'select', key: 'memberId' }],
          },
          { type: 'separator' },
        ],
      }),
    ).toEqual([]);
  });

  it('given keys repeated within one path, bad keys and paths, unknown types, then one problem each', () => {
    expect(
      formProblems({
        components: [
          { type: 'textfield', key: 'a.b' },
          { type: 'group', components: [{ type: 'number', key: 'a.b' }] },
          { type: 'checkbox', key: 'has space' },
          { type: 'group', path: '1x', components: [] },
          { type: 'dynamiclist', components: [] },
          { type: 'rating', key: 'stars' },
          'text',
          { type: 'text', components: [] },
        ],
      }),
    ).toEqual([
      "components[1].components[0] (key 'a.b'): key 'a.b' is used by components[0] too",
      "components[2] (key 'has space'): a checkbox needs a `key` that is a variable name (letters, digits, _; dotted for nesting)",
      'components[3]: `path` must be a variable name (dotted for nesting)',
      'components[4]: a dynamiclist needs a `path`',
      expect.stringContaining(
        `components[5] (key 'stars'): type "rating" is not a form-js component`,
      ),
      'components[6]: a component must be an object',
      'components[7]: a text holds no components (only group, dynamiclist)',
    ]);
    expect(FORM_COMPONENT_TYPES.has('filepicker')).toBe(true);
  });

  it('given a form over the limits or not a form, then that is the problem', () => {
    const many = {
      components: Array.from({ length: 3 }, (_, i) => ({ type: 'textfield', key: `f${i}` })),
    };
    expect(formProblems(many, { maxBytes: 10_000, maxComponents: 2 })).toEqual([
      'the form has 3 components; at most 2 are accepted',
    ]);
    expect(formProblems(many, { maxBytes: 20, maxComponents: 500 })[0]).toMatch(
      /at most 20 are accepted/,
    );
    expect(formProblems([])).toEqual(['not a form-js schema: an object with a `components` array']);
    expect(formProblems('{')).toEqual([
      'not a form-js schema: an object with a `components` array',
    ]);
  });
});
