import { Empty, Timeline, Typography } from 'antd';
import type { components } from '../../api/schema';
import { formatDateTime } from '../../components/time';

type AuditEvent = components['schemas']['AuditEventDto'];

const EVENTS: Record<string, { label: string; color: string }> = {
  'instance.started': { label: '流程启动', color: 'blue' },
  'task.created': { label: '步骤开始', color: 'gray' },
  'task.claimed': { label: '认领', color: 'blue' },
  'task.completed': { label: '办结', color: 'green' },
  'task.cancelled': { label: '取消', color: 'gray' },
  'incident.created': { label: '出现故障', color: 'red' },
  'incident.resolved': { label: '故障已处理', color: 'green' },
  'instance.completed': { label: '流程结束', color: 'green' },
  'instance.cancelled': { label: '流程已撤销', color: 'gray' },
  'instance.terminated': { label: '流程终止', color: 'gray' },
};

/** The history so far: who did which step when, in names. */
export function TaskHistory({
  events,
  names,
}: {
  events: readonly AuditEvent[];
  names: ReadonlyMap<string, string>;
}) {
  const shown = events.filter((event) => event.type in EVENTS);
  if (shown.length === 0) return <Empty description="暂无办理记录" />;
  return (
    <Timeline
      items={shown.map((event) => {
        const { label, color } = EVENTS[event.type];
        const element = event.elementId ? names.get(event.elementId) : undefined;
        const step = typeof event.data.name === 'string' ? event.data.name : (element ?? '');
        return {
          key: event.seq,
          color,
          content: (
            <div>
              <Typography.Text strong>
                {label}
                {step ? `：${step}` : ''}
              </Typography.Text>
              <div>
                <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                  {event.actorName} · {formatDateTime(event.at)}
                </Typography.Text>
              </div>
            </div>
          ),
        };
      })}
    />
  );
}
