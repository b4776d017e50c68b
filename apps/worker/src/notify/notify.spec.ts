import { describe, expect, it } from '@jest/globals';
import { UnrecoverableError } from 'bullmq';
import { memberRecipients } from '../handlers/built-in.handlers.js';
import { NameBook } from '@app/org';
import { dedupeKeys } from '@app/store';
import { fillTemplate, formatMinute, placeholderPeople, reminderMessage } from './messages.js';
import { escalationRecipients, reminderRecipients } from './recipients.js';
import { webhookPayload } from './webhook-format.js';

describe('notify: recipients, texts and robot formats', () => {
  it('reminds the assignee, else candidate users and groups, else the supervisors', () => {
    const task = { assignee: null, candidate_users: [], candidate_groups: [] };
    expect(reminderRecipients({ ...task, assignee: 'li', candidate_groups: ['a'] })).toEqual([
      'li',
    ]);
    expect(
      reminderRecipients({ ...task, candidate_users: ['wang'], candidate_groups: ['a', 'b'] }),
    ).toEqual(['wang', 'group:a', 'group:b']);
    expect(reminderRecipients(task)).toEqual(['group:supervisor']);
    expect(escalationRecipients({ ...task, assignee: 'li' })).toEqual(['group:supervisor']);
  });

  it('keys the first recipient by the cause itself and the others by cause and recipient', () => {
    expect(dedupeKeys('reminder-t-P1D', ['group:a', 'group:b'])).toEqual([
      'reminder-t-P1D',
      'reminder-t-P1D/group:b',
    ]);
  });

  it('takes notify-members recipients from the variable, else every member; refuses bad values', () => {
    expect(memberRecipients({})).toEqual(['group:members']);
    expect(memberRecipients({ recipients: 'group:branch-1' })).toEqual(['group:branch-1']);
    expect(memberRecipients({ recipients: ['li', ' wang '] })).toEqual(['li', 'wang']);
    expect(() => memberRecipients({ recipients: [1] })).toThrow(UnrecoverableError);
  });

  it('fills {name} placeholders from variables and leaves unknown ones', () => {
    expect(fillTemplate('{theme} @ {date} {missing}', { theme: '党课', date: 3 })).toBe(
      '党课 @ 3 {missing}',
    );
  });

  it('fills a placeholder holding member ids with their names, never the id', () => {
    const zhang = '11111111-1111-4111-8111-111111111111';
    const li = '22222222-2222-4222-8222-222222222222';
    const gone = '33333333-3333-4333-8333-333333333333';
    const names = new NameBook(
      new Map(),
      new Map([
        [zhang, '张三'],
        [li, '李四'],
      ]),
      new Map(),
    );
    const variables = {
      memberId: zhang,
      memberIds: [zhang, li],
      sponsors: [{ memberId: li }],
      other: gone,
      theme: '党课',
    };
    const text = '{memberId}|{memberIds}|{sponsors}|{other}|{theme}';
    expect(placeholderPeople([text], variables).sort()).toEqual([zhang, li, gone].sort());
    expect(fillTemplate(text, variables, names)).toBe('张三|张三、李四|李四|未知人员|党课');
  });

  it('words a reminder before and after the due time, in the time zone', () => {
    const due = Date.parse('2026-03-10T18:00:00+08:00');
    const task = { name: '三会一课', element_id: 'Task', due_at: new Date(due) };
    expect(formatMinute(due, 'Asia/Shanghai')).toBe('2026-03-10 18:00');
    expect(reminderMessage(task, due - 1, 'Asia/Shanghai').body).toContain(
      '将于 2026-03-10 18:00 到期',
    );
    expect(reminderMessage(task, due + 1, 'Asia/Shanghai').body).toContain(
      '已于 2026-03-10 18:00 到期',
    );
  });

  it('formats WeCom and DingTalk markdown messages', () => {
    const message = { title: '通知', body: '正文', recipient: 'li' };
    const content = '### 通知\n正文\n> 接收人：li';
    expect(webhookPayload('wecom', message)).toEqual({
      msgtype: 'markdown',
      markdown: { content },
    });
    expect(webhookPayload('dingtalk', message)).toEqual({
      msgtype: 'markdown',
      markdown: { title: '通知', text: content },
    });
  });
});
