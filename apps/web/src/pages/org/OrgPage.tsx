import { Typography } from 'antd';
import { ChooseUnit, OrgShell } from './OrgShell';

/** `/org` 组织管理: the admin's part of the tree; choosing a unit opens /org/units/:id. */
export default function OrgPage() {
  return (
    <div>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        组织管理
      </Typography.Title>
      <OrgShell>
        <ChooseUnit />
      </OrgShell>
    </div>
  );
}
