import { useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { type CSSProperties, useMemo, useState } from 'react';
import { api, must } from '../api/client';

/**
 * An org unit picked by name: the api searches the units the caller reads (`q`, a part of the
 * name), 20 at a time — a supervisor over two thousand branches never loads them all. The
 * chosen unit keeps its name (looked up by id when it came from the URL).
 */
export function UnitSelect({
  id,
  value,
  onChange,
  placeholder,
  allowClear,
  style,
  ariaLabel,
}: {
  id?: string;
  value?: string;
  onChange?: (value: string | undefined, parentId: string | null) => void;
  placeholder?: string;
  allowClear?: boolean;
  style?: CSSProperties;
  ariaLabel?: string;
}) {
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['org-units', 'search', q],
    queryFn: async () =>
      must(
        await api.GET('/api/org-units', {
          params: { query: { q: q || undefined, pageSize: 20 } },
        }),
      ),
    placeholderData: (previous) => previous,
    staleTime: 60_000,
  });
  const chosen = useQuery({
    queryKey: ['org-units', 'one', value],
    enabled: !!value && !found.data?.items.some((unit) => unit.id === value),
    queryFn: async () =>
      must(await api.GET('/api/org-units/{id}', { params: { path: { id: value! } } })),
    staleTime: 5 * 60_000,
  });
  const units = useMemo(() => {
    const list: { id: string; name: string; parentId: string | null }[] = [
      ...(found.data?.items ?? []),
    ];
    if (chosen.data && !list.some((unit) => unit.id === chosen.data.id)) list.unshift(chosen.data);
    return list;
  }, [found.data, chosen.data]);
  return (
    <Select
      id={id}
      aria-label={ariaLabel}
      value={value}
      placeholder={placeholder}
      allowClear={allowClear}
      style={style}
      showSearch={{ filterOption: false, onSearch: (text: string) => setQ(text.trim()) }}
      loading={found.isFetching}
      notFoundContent={found.isFetching ? '查找中…' : '未找到该党组织'}
      options={units.map((unit) => ({ value: unit.id, label: unit.name }))}
      onChange={(next?: string) => {
        setQ('');
        onChange?.(next, units.find((unit) => unit.id === next)?.parentId ?? null);
      }}
    />
  );
}
