import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, message as antMessage } from 'antd';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../api/client';
import { useMe } from './auth';
import { homeOf, ME_KEY } from './me';
import { showFieldErrors } from './formErrors';
import { AuthPageFrame, AuthPanel, safeNext } from './LoginPage';

interface PasswordValues {
  current: string;
  new: string;
  confirm: string;
}

/** `/account/password`: change my password (forced after log-in when the api asks for it). */
export default function PasswordPage() {
  const [form] = Form.useForm<PasswordValues>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [message, messageHolder] = antMessage.useMessage();
  const me = useMe();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  const forced = me.data?.mustChangePassword === true;

  async function submit(values: PasswordValues) {
    setBusy(true);
    setProblem(null);
    try {
      const who = must(
        await api.POST('/api/auth/password', {
          body: { current: values.current, new: values.new },
        }),
      );
      queryClient.setQueryData(ME_KEY, who);
      void message.success('密码已修改');
      await navigate(next ?? homeOf(who), { replace: true });
    } catch (error) {
      setProblem(showFieldErrors(form, error, { current: 'current', new: 'new' }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthPageFrame>
      {messageHolder}
      <AuthPanel title="修改密码">
        {forced && (
          <Alert
            type="warning"
            showIcon
            title="首次登录或密码已被重置，请先修改密码后再继续使用。"
            style={{ marginBottom: 16 }}
          />
        )}
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
            label="当前密码"
            name="current"
            rules={[{ required: true, message: '请输入当前密码' }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            label="新密码"
            name="new"
            extra="至少 8 个字符，不能与用户名相同，不能是常见密码。"
            rules={[
              { required: true, message: '请输入新密码' },
              { min: 8, message: '新密码至少 8 个字符' },
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label="确认新密码"
            name="confirm"
            dependencies={['new']}
            rules={[
              { required: true, message: '请再次输入新密码' },
              ({ getFieldValue }) => ({
                validator: (_rule, value: string | undefined) =>
                  !value || value === getFieldValue('new')
                    ? Promise.resolve()
                    : Promise.reject(new Error('两次输入的新密码不一致')),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block disabled={busy}>
            {busy ? '修改密码中…' : '修改密码'}
          </Button>
          {!forced && (
            <Button type="link" block onClick={() => void navigate(-1)} style={{ marginTop: 8 }}>
              返回
            </Button>
          )}
        </Form>
      </AuthPanel>
    </AuthPageFrame>
  );
}
