import { Alert, Card, Flex, Typography } from 'antd';
import type { CSSProperties } from 'react';
import { lazy, Suspense, useMemo } from 'react';
import type { ApiError } from '../../api/errors';
import { PageLoading } from '../../app/results';
import { elementLabel, lintProblems, problemText, readBpmnInfo } from './bpmnInfo';

const LIST_STYLE: CSSProperties = {
  margin: 0,
  padding: 0,
  listStyle: 'none',
  border: '1px solid #f0f0f0',
  borderRadius: 6,
};
const ITEM_STYLE: CSSProperties = { padding: '8px 12px', borderBottom: '1px solid #f0f0f0' };

const DiagramViewer = lazy(() => import('../../components/DiagramViewer'));

/**
 * A refused upload: the api's summary, each problem in Chinese with the element's name and id
 * (the linter's words beside it), and the diagram of the uploaded file drawn in the browser with
 * the offending elements marked red.
 */
export function DeployRefusal({
  error,
  fileName,
  xml,
}: {
  error: ApiError;
  fileName: string;
  xml: string | null;
}) {
  const info = useMemo(() => readBpmnInfo(xml ?? undefined), [xml]);
  const problems = useMemo(() => lintProblems(error.details), [error.details]);
  const marks = useMemo(
    () => ({
      problems: [...new Set(problems.map((p) => p.elementId).filter((id) => id !== '-'))],
    }),
    [problems],
  );
  const fields = problems.length === 0 ? error.fields : [];
  return (
    <Card
      size="small"
      title={`「${fileName}」未能部署`}
      styles={{ header: { color: '#cf1322' } }}
      role="region"
      aria-label="部署未通过"
    >
      <Flex vertical gap={12}>
        <Alert type="error" showIcon title={error.message} />
        {problems.length > 0 && (
          <ol aria-label="模板的问题" style={LIST_STYLE}>
            {problems.map((problem, index) => {
              const { what, id } = elementLabel(problem, info);
              return (
                <li key={`${problem.elementId}-${index}`} style={ITEM_STYLE}>
                  <Flex vertical gap={2}>
                    <Typography.Text>
                      <Typography.Text strong>
                        {index + 1}. {what}
                      </Typography.Text>
                      {id && <Typography.Text type="secondary">（{id}）</Typography.Text>}：
                      {problemText(problem.message)}
                    </Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      校验器原文：{problem.message}
                    </Typography.Text>
                  </Flex>
                </li>
              );
            })}
          </ol>
        )}
        {fields.length > 0 && (
          <ul aria-label="上传内容的问题" style={LIST_STYLE}>
            {fields.map((field) => (
              <li key={field.field} style={ITEM_STYLE}>
                {field.message}
              </li>
            ))}
          </ul>
        )}
        {xml && problems.length > 0 && (
          <>
            <Typography.Text type="secondary">
              上传文件的流程图：有问题的元素以红色虚线框标出。
            </Typography.Text>
            <Suspense fallback={<PageLoading />}>
              <DiagramViewer
                xml={xml}
                marks={marks}
                height={380}
                label={`上传的流程图「${fileName}」，有问题的元素已标出`}
              />
            </Suspense>
          </>
        )}
      </Flex>
    </Card>
  );
}
