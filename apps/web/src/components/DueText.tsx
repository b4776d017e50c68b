import { Typography } from 'antd';
import { serverNow } from '../api/client';
import { dueWords } from './due';
import { formatDateTime } from './time';

export { dueWords };

export function DueText({
  dueAt,
  overdue,
  now,
}: {
  dueAt: string | null | undefined;
  overdue?: boolean;
  now?: number;
}) {
  const words = dueWords(dueAt, now ?? serverNow(), overdue);
  const type = overdue ? 'danger' : words.startsWith('还剩') || !dueAt ? undefined : 'warning';
  return (
    <Typography.Text type={type} title={dueAt ? `截止 ${formatDateTime(dueAt)}` : undefined}>
      {words}
    </Typography.Text>
  );
}
