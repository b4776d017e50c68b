import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Flex, Typography } from 'antd';

export interface PagerProps {
  /** 1-based */
  page: number;
  pageSize: number;
  total: number;
  /** `total` is a lower bound (the api stopped counting there): 共 1000 余项, and more pages */
  atLeast?: boolean;
  /** The noun counted, e.g. 项 or 条 */
  unit?: string;
  onChange: (page: number) => void;
}

/**
 * 上一页 / 第 x / y 页 / 下一页 under a list: all a person needs to page through a list of
 * open steps, notices or overdue items, on a phone as on a PC. Ant Design's Pagination (with
 * its page-size changer and quick jumper) weighs about 20 KB gzip on a secretary's first page;
 * this is a few hundred bytes. Shown only when there is more than one page.
 */
export function Pager({
  page,
  pageSize,
  total,
  atLeast = false,
  unit = '项',
  onChange,
}: PagerProps) {
  const counted = Math.max(1, Math.ceil(total / pageSize));
  const pages = atLeast ? Math.max(counted, page + 1) : counted;
  if (pages <= 1) return null;
  const current = Math.min(Math.max(1, page), pages);
  return (
    <Flex
      component="nav"
      aria-label="分页"
      gap={8}
      align="center"
      justify="center"
      wrap
      style={{ marginTop: 16 }}
    >
      <Button icon={<LeftOutlined />} disabled={current <= 1} onClick={() => onChange(current - 1)}>
        上一页
      </Button>
      <Typography.Text aria-current="page">
        {atLeast
          ? `第 ${current} 页（共 ${total} 余${unit}）`
          : `第 ${current} / ${pages} 页（共 ${total} ${unit}）`}
      </Typography.Text>
      <Button
        icon={<RightOutlined />}
        iconPlacement="end"
        disabled={current >= pages}
        onClick={() => onChange(current + 1)}
      >
        下一页
      </Button>
    </Flex>
  );
}
