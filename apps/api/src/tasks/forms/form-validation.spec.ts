import { describe, expect, it } from '@jest/globals';
import type { FormSchema } from './form-schema.js';
import { validateForm } from './form-validation.js';

const feel = { now: Date.parse('2026-03-02T09:00:00+08:00'), zone: 'Asia/Shanghai' };

const form: FormSchema = {
  components: [
    { type: 'textfield', key: 'title', validate: { required: true, minLength: 3, maxLength: 10 } },
    { type: 'textarea', key: 'notes', validate: { pattern: '^[A-Z]' } },
    { type: 'number', key: 'count', validate: { min: 1, max: 5 } },
    { type: 'checkbox', key: 'done' },
    { type: 'radio', key: 'level', values: [{ value: 'high' }, { value: 'low' }] },
    { type: 'select', key: 'free' },
    { type: 'taglist', key: 'tags', values: [{ value: 'a' }, { value: 'b' }] },
    { type: 'textfield', key: 'contact.email', validate: { validationType: 'email' } },
    {
      type: 'group',
      path: 'venue',
      components: [{ type: 'textfield', key: 'room', validate: { required: true } }],
    },
    {
      type: 'textfield',
      key: 'reason',
      validate: { required: true },
      conditional: { hide: '=done = true' },
    },
    {
      type: 'dynamiclist',
      path: 'speakers',
      components: [{ type: 'textfield', key: 'name', validate: { required: true } }],
    },
    { type: 'text', text: 'not a field' },
  ],
};

const valid = {
  title: 'Theme day',
  notes: 'Agenda',
  count: 3,
  done: false,
  level: 'high',
  free: 'anything',
  tags: ['a'],
  contact: { email: 'li@example.org' },
  venue: { room: '3-201' },
  reason: 'monthly',
  speakers: [{ name: 'Wang' }],
};

describe('form validation (form-js schema)', () => {
  it('accepts values that fit the form', () => {
    expect(validateForm(form, { submitted: valid, current: {}, feel })).toEqual([]);
  });

  it('names every field that is missing or has the wrong type', () => {
    const problems = validateForm(form, {
      submitted: {
        title: 'ab',
        notes: 'lower',
        count: '3',
        done: 'no',
        level: 'medium',
        tags: 'a',
        contact: { email: 'nope' },
        venue: {},
        speakers: [{ name: 'Wang' }, {}],
      },
      current: {},
      feel,
    });
    expect(problems).toEqual([
      { field: 'title', message: '至少 3 个字符' },
      { field: 'notes', message: '格式不符合要求（须匹配 ^[A-Z]）' },
      { field: 'count', message: '必须是数字' },
      { field: 'done', message: '必须是 true 或 false' },
      { field: 'level', message: '必须是以下之一："high"、"low"' },
      { field: 'tags', message: '必须是列表' },
      { field: 'contact.email', message: '必须是电子邮件地址' },
      { field: 'venue.room', message: '必填' },
      { field: 'reason', message: '必填' },
      { field: 'speakers[1].name', message: '必填' },
    ]);
  });

  it('checks ranges and the options of multiple choices', () => {
    const problems = validateForm(form, {
      submitted: { ...valid, count: 9, tags: ['a', 'z'], title: 'a much longer title' },
      current: {},
      feel,
    });
    expect(problems).toEqual([
      { field: 'title', message: '最多 10 个字符' },
      { field: 'count', message: '不能大于 5' },
      { field: 'tags', message: '"z" 不在可选项中（可选："a"、"b"）' },
    ]);
  });

  it('counts a prefilled variable as given, and does not re-check its type', () => {
    const rest: Partial<typeof valid> = { ...valid };
    delete rest.title;
    delete rest.venue;
    const problems = validateForm(form, {
      submitted: rest,
      current: { title: 'Prefilled', venue: { room: 7 } },
      feel,
    });
    expect(problems).toEqual([]);
  });

  it('skips a component its conditional hides', () => {
    const rest: Partial<typeof valid> = { ...valid };
    delete rest.reason;
    expect(validateForm(form, { submitted: { ...rest, done: true }, current: {}, feel })).toEqual(
      [],
    );
  });

  it('requires a required checkbox to be checked, as form-js does', () => {
    const consent: FormSchema = {
      components: [{ type: 'checkbox', key: 'agreed', validate: { required: true } }],
    };
    const check = (submitted: Record<string, unknown>, current: Record<string, unknown> = {}) =>
      validateForm(consent, { submitted, current, feel });

    expect(check({ agreed: false })).toEqual([{ field: 'agreed', message: '必填' }]);
    expect(check({})).toEqual([{ field: 'agreed', message: '必填' }]);
    expect(check({ agreed: false }, { agreed: true })).toEqual([
      { field: 'agreed', message: '必填' },
    ]);
    expect(check({ agreed: true })).toEqual([]);
    expect(check({}, { agreed: true })).toEqual([]);
    expect(check({ agreed: 'yes' })).toEqual([
      { field: 'agreed', message: '必须是 true 或 false' },
    ]);
  });

  it('treats empty strings and empty lists as missing', () => {
    const required: FormSchema = {
      components: [
        { type: 'textfield', key: 'a', validate: { required: true } },
        { type: 'checklist', key: 'b', validate: { required: true } },
      ],
    };
    expect(validateForm(required, { submitted: { a: '', b: [] }, current: {}, feel })).toEqual([
      { field: 'a', message: '必填' },
      { field: 'b', message: '必填' },
    ]);
  });
});
