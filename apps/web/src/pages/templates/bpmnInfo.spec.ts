import { describe, expect, it } from '@jest/globals';
import { elementLabel, lintProblems, problemText, typeName } from './bpmnInfo';
import { toUpload } from './deploy';

describe('a refused deploy’s lint problems in Chinese', () => {
  it('says the linter’s common problems in Chinese', () => {
    expect(
      problemText(
        "form 'visit-record' is missing: give it with the deployment (forms) or deploy it first",
      ),
    ).toBe(
      '找不到表单「visit-record」：请把 visit-record.form 与 .bpmn 文件一起上传，或先部署带有它的模板',
    );
    expect(problemText("form 'visit-record': components[3]: a component must be an object")).toBe(
      '表单「visit-record」不是有效的 form-js 表单',
    );
    expect(
      problemText(
        "zeebe:taskDefinition type 'fax-members' has no handler: the known service-task types are member-status, noop, notify (an integration's own type must be listed in SERVICE_TASK_TYPES)",
      ),
    ).toBe(
      '服务任务类型「fax-members」没有对应的处理程序（可用的类型：member-status、noop、notify）',
    );
    expect(
      problemText('zeebe:taskSchedule dueDate is not valid FEEL: Incomplete <IfExpression> at 16'),
    ).toBe('zeebe:taskSchedule dueDate 不是有效的 FEEL 表达式');
    expect(
      problemText(
        'unknown element <bpmn:userTaks> at line 7 (not part of BPMN 2.0 or the zeebe extensions)',
      ),
    ).toBe('无法识别的元素 <bpmn:userTaks>（不属于 BPMN 2.0 或 zeebe 扩展）');
    expect(
      problemText(
        'bpmn:MessageEventDefinition on a start event is not supported (supported: none start event, bpmn:TimerEventDefinition)',
      ),
    ).toBe('此元素或写法不受支持');
    expect(problemText('something the web app has not heard of')).toBe('未通过校验');
  });

  it('reads the details of a TEMPLATE_INVALID refusal, and nothing else', () => {
    expect(
      lintProblems([
        { elementId: 'Task_A', bpmnType: 'bpmn:UserTask', message: 'm' },
        { field: 'body', message: 'not a lint problem' },
        null,
      ]),
    ).toEqual([{ elementId: 'Task_A', bpmnType: 'bpmn:UserTask', message: 'm' }]);
    expect(lintProblems({ errors: [] })).toEqual([]);
  });

  it('names the element by its type and name, the whole file without one', () => {
    const info = {
      elements: new Map([['Task_A', { name: '填写记录', type: 'bpmn:UserTask' }]]),
      formUsers: new Map<string, string[]>(),
    };
    expect(
      elementLabel({ elementId: 'Task_A', bpmnType: 'bpmn:UserTask', message: '' }, info),
    ).toEqual({ what: '用户任务「填写记录」', id: 'Task_A' });
    expect(
      elementLabel({ elementId: 'Flow_1', bpmnType: 'bpmn:SequenceFlow', message: '' }, info),
    ).toEqual({ what: '顺序流', id: 'Flow_1' });
    expect(
      elementLabel({ elementId: '-', bpmnType: 'bpmn:Definitions', message: '' }, info),
    ).toEqual({ what: '文件', id: null });
    expect(typeName('bpmn:Unheard')).toBe('元素');
  });
});

describe('the files chosen for an upload', () => {
  const file = (name: string) => new File(['x'], name);

  it('is one .bpmn with its .form files', () => {
    const upload = toUpload([file('visit.form'), file('visit.bpmn')]);
    expect(typeof upload).toBe('object');
    expect(upload).toEqual({
      bpmn: expect.objectContaining({ name: 'visit.bpmn' }),
      forms: [expect.objectContaining({ name: 'visit.form' })],
    });
  });

  it('says in Chinese what is wrong with the choice', () => {
    expect(toUpload([file('visit.form')])).toBe(
      '请选择一个 .bpmn 文件（可同时选择它用到的 .form 表单文件）',
    );
    expect(toUpload([file('a.bpmn'), file('b.bpmn')])).toBe(
      '一次只能部署一个 .bpmn 文件，您选择了 2 个',
    );
    expect(toUpload([file('a.bpmn'), file('说明.txt')])).toBe(
      '只能上传 .bpmn 和 .form 文件：「说明.txt」不是',
    );
  });
});
