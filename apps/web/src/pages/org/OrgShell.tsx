import { useQueries, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Flex, Grid, Spin, Tag, Tree, Typography } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, must } from '../../api/client';
import { useAuth } from '../../app/auth';
import { Forbidden, LoadError } from '../../app/results';
import { problemText } from './problem';
import { KIND_NAMES, type ListedUnit, type Unit } from './words';

/** One level of the tree is fetched at a time; a level past this many units loads on demand. */
const LEVEL_PAGE = 100;
const MORE = 'more:';

interface Level {
  readonly items: readonly ListedUnit[];
  readonly total: number;
}

/** The tree's expanded nodes outlive a change of page (/org ↔ /org/units/:id). */
let rememberedExpanded: string[] = [];

export const ORG_LEVEL_KEY = ['org-units', 'level'] as const;
const REFRESH_EVENT = 'branchflow:org-levels';

/** Reloads these levels of the tree (the children of these units) after a change. */
export function refreshOrgLevels(parentIds: readonly (string | null | undefined)[]): void {
  const ids = parentIds.filter((id): id is string => !!id);
  window.dispatchEvent(new CustomEvent(REFRESH_EVENT, { detail: ids }));
}

async function fetchLevel(parentId: string, page: number): Promise<Level> {
  const answer = must(
    await api.GET('/api/org-units', {
      params: { query: { parentId, page, pageSize: LEVEL_PAGE } },
    }),
  );
  return { items: answer.items, total: answer.total };
}

/** The units a person administers (their admin grants), the roots of their tree. */
export function useAdminUnitIds(): string[] {
  const { me } = useAuth();
  return useMemo(
    () => [
      ...new Set(
        me.grants.filter((grant) => grant.role === 'admin').map((grant) => grant.orgUnitId),
      ),
    ],
    [me.grants],
  );
}

/** Whether the person is an admin of the unit at `path` (a grant on it or above it). */
export function useIsAdminOver(path: string | undefined): boolean {
  const admin = useAdminUnitIds();
  return !!path && admin.some((id) => path.includes(`/${id}/`));
}

/** A unit in the tree: its name (a long one wraps inside the panel) and its kind's tag. */
function UnitTitle({ unit }: { unit: Pick<Unit, 'name' | 'kind'> }) {
  return (
    <span style={{ overflowWrap: 'anywhere' }}>
      <span>{unit.name}</span>{' '}
      <Tag style={{ marginInlineStart: 4, fontSize: 12 }} bordered={false}>
        {KIND_NAMES[unit.kind]}
      </Tag>
    </span>
  );
}

/**
 * The admin's part of the organisation tree, one level at a time (each level paged: 「加载更多」
 * past 100 units), with the selected unit; `reveal` opens the way to a unit (its path of ids).
 */
function OrgTree({ selected, reveal }: { selected?: string; reveal?: string }) {
  const rootIds = useAdminUnitIds();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const roots = useQueries({
    queries: rootIds.map((id) => ({
      queryKey: ['org-unit', id],
      queryFn: async () => must(await api.GET('/api/org-units/{id}', { params: { path: { id } } })),
    })),
  });
  const [levels, setLevels] = useState<Record<string, Level>>({});
  // the first time, the top level is open
  const [failure, setFailure] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<string[]>(() =>
    rememberedExpanded.length > 0 ? rememberedExpanded : rootIds,
  );

  const load = useCallback(
    async (parentId: string, more = false) => {
      const have = more ? levels[parentId] : undefined;
      const page = have ? Math.floor(have.items.length / LEVEL_PAGE) + 1 : 1;
      const level = await queryClient.fetchQuery({
        queryKey: [...ORG_LEVEL_KEY, parentId, page],
        queryFn: () => fetchLevel(parentId, page),
        staleTime: 0,
      });
      setLevels((current) => ({
        ...current,
        [parentId]: have ? { items: [...have.items, ...level.items], total: level.total } : level,
      }));
    },
    [levels, queryClient],
  );

  // after a change (create, rename, move, close) a page asks for the levels it touched again
  useEffect(() => {
    const listener = (event: Event) => {
      for (const parentId of (event as CustomEvent<string[]>).detail) {
        void fetchLevel(parentId, 1)
          .then((level) => setLevels((current) => ({ ...current, [parentId]: level })))
          .catch(() => undefined);
      }
      void queryClient.invalidateQueries({ queryKey: ['org-unit'] });
    };
    window.addEventListener(REFRESH_EVENT, listener);
    return () => window.removeEventListener(REFRESH_EVENT, listener);
  }, [queryClient]);

  // open the way to the unit shown (e.g. when the page is opened from a link)
  useEffect(() => {
    if (!reveal) return;
    const ids = reveal.split('/').filter((id) => id !== '');
    const from = ids.findIndex((id) => rootIds.includes(id));
    if (from < 0) return;
    const ancestors = ids.slice(from, -1);
    setExpanded((current) => {
      const next = [...new Set([...current, ...ancestors])];
      rememberedExpanded = next;
      return next;
    });
  }, [reveal, rootIds]);

  // the open levels are loaded even when opened by the page (the first time, or to reveal)
  const requested = useRef(new Set<string>());
  useEffect(() => {
    for (const key of expanded) {
      if (levels[key] || requested.current.has(key)) continue;
      requested.current.add(key);
      void load(key).catch((error: unknown) => {
        requested.current.delete(key);
        setFailure(problemText(error));
      });
    }
  }, [expanded, levels, load]);

  const node = (unit: Pick<Unit, 'id' | 'name' | 'kind'>, childCount?: number): DataNode => {
    const level = levels[unit.id];
    const children: DataNode[] | undefined = level?.items.map((child) =>
      node(child, child.childCount),
    );
    if (level && children && level.items.length < level.total) {
      children.push({
        key: `${MORE}${unit.id}`,
        title: (
          <Typography.Link>加载更多（还有 {level.total - level.items.length} 个）</Typography.Link>
        ),
        isLeaf: true,
      });
    }
    return {
      key: unit.id,
      title: <UnitTitle unit={unit} />,
      isLeaf: childCount === 0 || (level !== undefined && level.total === 0),
      children,
    };
  };

  const failed = roots.find((root) => root.isError);
  if (failed) return <LoadError error={failed.error} onRetry={() => void failed.refetch()} />;
  if (roots.some((root) => root.isPending)) return <Spin description="加载中…" />;
  const treeData = roots.flatMap((root) => (root.data ? [node(root.data)] : []));

  return (
    <>
      {failure && (
        <Alert
          type="error"
          showIcon
          role="alert"
          title={`下级组织加载失败：${failure}`}
          action={
            <Button
              size="small"
              onClick={() => {
                setFailure(null);
                setExpanded((current) => [...current]);
              }}
            >
              重试
            </Button>
          }
          style={{ marginBottom: 8 }}
        />
      )}
      <Tree
        aria-label="组织树"
        blockNode
        showLine
        treeData={treeData}
        selectedKeys={selected ? [selected] : []}
        expandedKeys={expanded}
        loadedKeys={Object.keys(levels)}
        loadData={async (data) => {
          const key = String(data.key);
          if (key.startsWith(MORE) || levels[key] || requested.current.has(key)) return;
          requested.current.add(key);
          await load(key).catch((error: unknown) => {
            requested.current.delete(key);
            setFailure(problemText(error));
          });
        }}
        onExpand={(keys) => {
          const next = keys.map(String);
          rememberedExpanded = next;
          setExpanded(next);
        }}
        onSelect={(keys, info) => {
          const key = String(info.node.key);
          if (key.startsWith(MORE)) {
            void load(key.slice(MORE.length), true);
            return;
          }
          if (keys.length > 0) void navigate(`/org/units/${key}`);
        }}
      />
    </>
  );
}

/**
 * The organisation pages: the tree on the left (above on a phone), the page on the right. Only
 * admins administer: anyone else reads why.
 */
export function OrgShell({
  selected,
  reveal,
  children,
}: {
  selected?: string;
  reveal?: string;
  children: ReactNode;
}) {
  const adminIds = useAdminUnitIds();
  const screens = Grid.useBreakpoint();
  const narrow = screens.lg === false;
  if (adminIds.length === 0) {
    return <Forbidden reason="只有组织管理员可以管理组织：您没有任何党组织的管理员角色。" />;
  }
  return (
    <Flex gap={16} vertical={narrow} align="flex-start">
      <Card
        size="small"
        title="组织树"
        style={{ width: narrow ? '100%' : 300, flex: 'none' }}
        styles={{ body: { maxHeight: narrow ? 320 : 'calc(100vh - 180px)', overflow: 'auto' } }}
      >
        <OrgTree selected={selected} reveal={reveal} />
      </Card>
      <div style={{ flex: 1, minWidth: 0, width: narrow ? '100%' : undefined }}>{children}</div>
    </Flex>
  );
}

export function ChooseUnit() {
  return (
    <Card>
      <Empty description="请在左侧组织树中选择一个党组织，查看和管理其党员、用户、通知渠道，或导入花名册。" />
    </Card>
  );
}
