import { Button, Result, Spin } from 'antd';
import { Link } from 'react-router';
import { ApiError, asApiError } from '../api/errors';

export const NOT_FOUND_TEXT = '页面不存在或您无权查看';

/** Missing and out of scope look the same, as the api answers 404 for both. */
export function NotFound() {
  return (
    <Result
      status="404"
      title={NOT_FOUND_TEXT}
      subTitle="请检查链接是否正确，或从左侧菜单进入。"
      extra={
        <Link to="/">
          <Button type="primary">返回首页</Button>
        </Link>
      }
    />
  );
}

/** A refused action (403) says why: the api's message. */
export function Forbidden({ reason }: { reason?: string }) {
  return <Result status="403" title="无权进行此操作" subTitle={reason ?? '您的角色没有此权限。'} />;
}

/** A lost connection or a failure of the server: never a blank page, always 重试. */
export function RetryResult({ error, onRetry }: { error?: unknown; onRetry: () => void }) {
  const problem = asApiError(error);
  return (
    <Result
      status={problem.status === 0 ? 'warning' : '500'}
      title={problem.status === 0 ? '网络连接中断' : '加载失败'}
      subTitle={problem.message}
      extra={
        <Button type="primary" onClick={onRetry}>
          重试
        </Button>
      }
    />
  );
}

/** What a page shows for a failed load: 404 → not found, 403 → why, else retry. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (error instanceof ApiError && error.status === 403)
    return <Forbidden reason={error.message} />;
  return <RetryResult error={error} onRetry={onRetry} />;
}

export function PageLoading() {
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin size="large" description="加载中…" />
    </div>
  );
}

/** Scaffolding for a page another part is building. */
export function UnderConstruction({ title }: { title: string }) {
  return <Result status="info" title={title} subTitle="此页面正在建设中，敬请期待。" />;
}
