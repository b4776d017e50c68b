import { Empty, Timeline, Typography } from 'antd';
import type { components } from '../../api/schema';
import { formatDateTime } from '../../components/time';
import { EVENT_WORDS } from './words';

type AuditEvent = components['schemas']['AuditEventDto'];

/** The instance's history as a timeline: what happened, at which step, by whom, when. */
export function InstanceHistory({
  events,
  names,
}: {
  events: readonly AuditEvent[];
  names: ReadonlyMap<string, string>;
}) {
  // a cancel ends the instance: its termination is not told twice
  const cancelled = events.some((event) => event.type === 'instance.cancelled');
  const shown = events.filter(
    (event) => event.type in EVENT_WORDS && !(cancelled && event.type === 'instance.terminated'),
  );
  if (shown.length === 0) return <Empty description="暂无办理记录" />;
  return (
    <Timeline
      items={shown.map((event) => {
        const { label, color } = EVENT_WORDS[event.type];
        const element = event.elementId ? names.get(event.elementId) : undefined;
        const step =
          event.type.startsWith('instance.') || event.type.startsWith('ledger.')
            ? ''
            : typeof event.data.name === 'string'
              ? event.data.name
              : (element ?? '');
        const reason = typeof event.data.reason === 'string' ? event.data.reason : null;
        return {
          key: event.seq,
          color,
          content: (
            <div data-event={event.type}>
              <Typography.Text strong>
                {label}
                {step ? `：${step}` : ''}
              </Typography.Text>
              {reason && (
                <div>
                  <Typography.Text style={{ fontSize: 13 }}>原因：{reason}</Typography.Text>
                </div>
              )}
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
