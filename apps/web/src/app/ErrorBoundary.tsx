import { Button, Result } from 'antd';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ApiError } from '../api/errors';
import { LoadError } from './results';

interface State {
  readonly error: unknown;
}

/**
 * Catches what a page throws while rendering (a failed lazy chunk, a bug): a Chinese message
 * with 重试 instead of a blank page. `resetKey` (the path) clears it on navigation.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    if (this.state.error !== null && previous.resetKey !== this.props.resetKey) {
      this.setState({ error: null });
    }
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (error === null) return this.props.children;
    if (error instanceof ApiError) {
      return <LoadError error={error} onRetry={() => this.setState({ error: null })} />;
    }
    return (
      <Result
        status="500"
        title="页面出错了"
        subTitle="页面未能正常显示。请重试；若仍有问题，请刷新浏览器。"
        extra={
          <Button type="primary" onClick={() => window.location.reload()}>
            重试
          </Button>
        }
      />
    );
  }
}
