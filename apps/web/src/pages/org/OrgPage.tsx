import { UnderConstruction } from '../../app/results';

/** Scaffolding: the part building this page replaces this file. */
export default function Page() {
  return <UnderConstruction title="组织管理" />;
}
