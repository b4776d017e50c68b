import { describe, expect, it } from '@jest/globals';
import { childKinds, politicalBirthday, rosterReason, unitLabel } from './words';

describe('the organisation pages’ words', () => {
  it('says the 入党纪念日 as the admission date’s month and day', () => {
    expect(politicalBirthday('2015-07-01')).toBe('7月1日');
    expect(politicalBirthday('1984-12-26')).toBe('12月26日');
    expect(politicalBirthday(null)).toBe('—');
    expect(politicalBirthday('not a date')).toBe('—');
  });

  it('offers the kinds that may sit under a unit', () => {
    expect(childKinds('committee')).toEqual(['committee', 'general_branch', 'branch', 'group']);
    expect(childKinds('general_branch')).toEqual(['branch', 'group']);
    expect(childKinds('group')).toEqual([]);
  });

  it('names a unit with its parent', () => {
    expect(unitLabel({ name: '第一党小组', parentName: '研发中心党支部' })).toBe(
      '第一党小组（研发中心党支部）',
    );
    expect(unitLabel({ name: '集团公司党委', parentName: null })).toBe('集团公司党委');
  });

  it('says a roster row’s reason in Chinese, keeping what it quotes', () => {
    expect(rosterReason("'1990-13-01' is not a day of the calendar")).toBe(
      '「1990-13-01」不是有效的日期',
    );
    expect(rosterReason("unknown unit '第九支部'")).toBe(
      '找不到党组织「第九支部」（或不在您管理的范围内）',
    );
    expect(rosterReason('is empty')).toBe('不能为空');
    expect(rosterReason('the same 党员编号 as row 4')).toBe('与第 4 行的党员编号相同');
    expect(rosterReason("'x' is not one of 正式党员、预备党员")).toBe(
      '「x」不是以下之一：正式党员、预备党员',
    );
    expect(rosterReason('状态变更须由管理员填写原因：钱二现为入党积极分子')).toBe(
      '状态变更须由管理员填写原因：钱二现为入党积极分子',
    );
    // an unknown English reason is still marked as a problem, in Chinese first
    expect(rosterReason('something new')).toBe('内容有误（something new）');
  });
});
