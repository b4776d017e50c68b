import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../api/client';
import { APP_TITLE } from './brand';
import { homeOf, type Me, ME_KEY } from './me';
import { showFieldErrors } from './formErrors';

interface LoginValues {
  loginName: string;
  password: string;
}

/** A wanted path inside the app (never another origin). */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function AuthPageFrame({ children }: { children: React.ReactNode }) {
  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(180deg, #fff1f0 0%, #f5f5f5 60%)',
        padding: 16,
      }}
    >
      <div style={{ width: '100%', maxWidth: 400 }}>
        <Typography.Title
          level={3}
          style={{ textAlign: 'center', color: '#c00000', marginBottom: 24 }}
        >
          {APP_TITLE}
        </Typography.Title>
        {children}
      </div>
    </div>
  );
}

/**
 * The log-in and password pages' panel: a titled white box (an antd Card would bring its Tabs
 * along, about 15 KB gzip, to the page everybody loads first).
 */
export function AuthPanel({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section
      aria-labelledby="bf-auth-title"
      style={{
        background: '#fff',
        border: '1px solid #f0f0f0',
        borderRadius: 8,
        boxShadow: '0 1px 2px rgba(0,0,0,.03), 0 2px 6px rgba(0,0,0,.04)',
      }}
    >
      <h2
        id="bf-auth-title"
        style={{
          margin: 0,
          padding: '14px 24px',
          fontSize: 16,
          fontWeight: 600,
          borderBottom: '1px solid #f0f0f0',
        }}
      >
        {title}
      </h2>
      <div style={{ padding: 24 }}>{children}</div>
    </section>
  );
}

/** `/login`: user name and password; then the wanted page, or the person's home. */
export default function LoginPage() {
  const [form] = Form.useForm<LoginValues>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  async function submit(values: LoginValues) {
    setBusy(true);
    setProblem(null);
    try {
      const me = must(await api.POST('/api/auth/login', { body: values }));
      const who: Me = {
        userId: me.userId,
        name: me.name,
        loginName: me.loginName,
        memberId: me.memberId,
        grants: me.grants,
        mustChangePassword: me.mustChangePassword,
        authenticatedBy: me.authenticatedBy,
      };
      queryClient.clear();
      queryClient.setQueryData(ME_KEY, who);
      if (me.mustChangePassword) {
        await navigate(`/account/password${next ? `?next=${encodeURIComponent(next)}` : ''}`, {
          replace: true,
        });
      } else {
        await navigate(next ?? homeOf(who), { replace: true });
      }
    } catch (error) {
      setProblem(showFieldErrors(form, error, { loginName: 'loginName', password: 'password' }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthPageFrame>
      <AuthPanel title="登录">
        {problem && (
          <Alert type="error" showIcon title={problem} style={{ marginBottom: 16 }} role="alert" />
        )}
        <Form
          form={form}
          layout="vertical"
          onFinish={(values) => void submit(values)}
          requiredMark={false}
        >
          <Form.Item
            label="用户名"
            name="loginName"
            rules={[
              { required: true, message: '请输入用户名' },
              { max: 64, message: '用户名最多 64 个字符' },
            ]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            label="密码"
            name="password"
            rules={[{ required: true, message: '请输入密码' }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block disabled={busy}>
            {busy ? '登录中…' : '登录'}
          </Button>
        </Form>
      </AuthPanel>
    </AuthPageFrame>
  );
}
