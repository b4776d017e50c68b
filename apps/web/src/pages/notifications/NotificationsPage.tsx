import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Badge, Card, Empty, Flex, Segmented, Space, Spin, Tag, Typography, message } from 'antd';
import { useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import type { components } from '../../api/schema';
import { LoadError } from '../../app/results';
import { formatDateTime } from '../../components/time';
import { problemText } from '../org/problem';
import { pageParam, withChanges } from '../../components/urlParams';
import { Pager } from '../../components/Pager';

type Notice = components['schemas']['NotificationDto'];

const PAGE_SIZE = 20;
const KIND_NAMES: Record<string, { label: string; color: string }> = {
  reminder: { label: '待办提醒', color: 'blue' },
  escalation: { label: '逾期督办', color: 'red' },
  notice: { label: '通知', color: 'default' },
};

/** Where a notice leads: a 督办 to its ledger item, else the step, else the item or the instance. */
function noticeTarget(notice: Notice): { to: string; words: string } | null {
  if (notice.kind === 'escalation' && notice.ledgerItemId) {
    return { to: `/ledger/items/${notice.ledgerItemId}`, words: '查看台账事项' };
  }
  if (notice.taskId) return { to: `/tasks/${notice.taskId}`, words: '去办理' };
  if (notice.ledgerItemId) {
    return { to: `/ledger/items/${notice.ledgerItemId}`, words: '查看台账事项' };
  }
  if (notice.instanceId) return { to: `/instances/${notice.instanceId}`, words: '查看流程' };
  return null;
}

function NoticeCard({ notice, onOpen }: { notice: Notice; onOpen: (notice: Notice) => void }) {
  const unread = notice.readAt === null;
  const kind = KIND_NAMES[notice.kind] ?? { label: '通知', color: 'default' };
  const target = noticeTarget(notice);
  return (
    <Card
      size="small"
      hoverable
      role="button"
      tabIndex={0}
      aria-label={`${unread ? '未读：' : ''}${notice.title}`}
      onClick={() => onOpen(notice)}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onOpen(notice);
        }
      }}
      styles={{ body: { padding: 12 } }}
      style={{
        width: '100%',
        borderInlineStart: `4px solid ${unread ? '#c00000' : '#f0f0f0'}`,
        background: unread ? '#fffaf9' : undefined,
      }}
    >
      <Flex vertical gap={6}>
        <Flex gap={8} align="center" wrap>
          {unread && <Badge count="未读" color="#c00000" />}
          <Tag color={kind.color} style={{ margin: 0 }}>
            {kind.label}
          </Tag>
          <Typography.Text strong={unread} style={{ fontSize: 15, flex: 1, minWidth: 0 }}>
            {notice.title}
          </Typography.Text>
        </Flex>
        {notice.body && (
          <Typography.Paragraph
            type="secondary"
            ellipsis={{ rows: 2 }}
            style={{ margin: 0, whiteSpace: 'pre-line' }}
          >
            {notice.body}
          </Typography.Paragraph>
        )}
        <Flex gap={12} justify="space-between" wrap>
          <Typography.Text type="secondary" style={{ fontSize: 13 }}>
            {formatDateTime(notice.createdAt)}
            {notice.readAt ? ` · 已读于 ${formatDateTime(notice.readAt)}` : ''}
          </Typography.Text>
          {target && <Typography.Link>{target.words} ›</Typography.Link>}
        </Flex>
      </Flex>
    </Card>
  );
}

/**
 * `/notifications` 消息通知: the in-app inbox, newest first, paged; 全部 / 未读 in the URL. A
 * click marks the notice read and opens the step or ledger item it is about.
 */
export default function NotificationsPage() {
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get('unread') === '1';
  const page = pageParam(params, 500);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [messageApi, holder] = message.useMessage();

  const notices = useQuery({
    queryKey: ['notifications', 'inbox', unreadOnly, page],
    queryFn: async () =>
      must(
        await api.GET('/api/notifications', {
          params: { query: { unread: unreadOnly ? true : undefined, page, pageSize: PAGE_SIZE } },
        }),
      ),
    placeholderData: (previous) => previous,
  });

  const read = useMutation({
    mutationFn: async (notice: Notice) =>
      notice.readAt === null
        ? must(
            await api.POST('/api/notifications/{id}/read', {
              params: { path: { id: notice.id } },
            }),
          )
        : notice,
    onSuccess: async (notice) => {
      await queryClient.invalidateQueries({ queryKey: ['notifications'] });
      const target = noticeTarget(notice);
      if (target) void navigate(target.to);
    },
    onError: (error) => void messageApi.error(problemText(error)),
  });

  const set = (changes: Record<string, string | undefined>) =>
    setParams(withChanges(params, changes));
  const unread = notices.data?.unread;

  return (
    <div style={{ maxWidth: 960 }}>
      {holder}
      <Space align="baseline" wrap style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          消息通知
        </Typography.Title>
        {unread !== undefined && (
          <Typography.Text type="secondary" aria-live="polite">
            未读 {unread} 条
          </Typography.Text>
        )}
      </Space>
      <Flex style={{ marginBottom: 12 }}>
        <Segmented
          aria-label="显示范围"
          value={unreadOnly ? 'unread' : 'all'}
          options={[
            { value: 'all', label: '全部' },
            { value: 'unread', label: unread ? `未读（${unread}）` : '未读' },
          ]}
          onChange={(value) => set({ unread: value === 'unread' ? '1' : undefined })}
        />
      </Flex>
      {notices.isError ? (
        <LoadError error={notices.error} onRetry={() => void notices.refetch()} />
      ) : (
        <Spin spinning={(notices.isFetching && !notices.isPending) || read.isPending}>
          {notices.isPending ? (
            <Card loading />
          ) : (notices.data?.items.length ?? 0) === 0 ? (
            <Empty description={unreadOnly ? '没有未读通知' : '暂无通知'} style={{ padding: 32 }} />
          ) : (
            <Flex vertical gap={10} role="list" aria-label="通知列表">
              {notices.data?.items.map((notice) => (
                <div role="listitem" key={notice.id}>
                  <NoticeCard notice={notice} onOpen={(n) => read.mutate(n)} />
                </div>
              ))}
            </Flex>
          )}
          <Pager
            page={page}
            pageSize={PAGE_SIZE}
            total={notices.data?.total ?? 0}
            unit="条"
            onChange={(next) => set({ page: next === 1 ? undefined : String(next) })}
          />
        </Spin>
      )}
    </div>
  );
}
