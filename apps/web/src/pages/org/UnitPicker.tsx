import { useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { useEffect, useState } from 'react';
import { api, must } from '../../api/client';
import { unitLabel } from './words';

/**
 * Chooses an org unit by name: what is typed is looked up by the api (a part of the name), each
 * unit shown with its parent's name; never the whole tree in the browser.
 */
export function UnitPicker({
  id,
  value,
  onChange,
  exclude,
  placeholder = '输入党组织名称查找',
}: {
  id?: string;
  value?: string;
  onChange?: (value: string | undefined) => void;
  exclude?: (unit: { id: string; path: string }) => boolean;
  placeholder?: string;
}) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearch(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const found = useQuery({
    queryKey: ['org-units', 'search', search],
    queryFn: async () =>
      must(
        await api.GET('/api/org-units', {
          params: { query: { q: search || undefined, pageSize: 30 } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  const options = (found.data?.items ?? [])
    .filter((unit) => !exclude?.(unit))
    .map((unit) => ({ value: unit.id, label: unitLabel(unit) }));
  return (
    <Select
      id={id}
      showSearch={{ filterOption: false, onSearch: setTyped }}
      value={value}
      onChange={(next?: string) => onChange?.(next)}
      options={options}
      loading={found.isFetching}
      placeholder={placeholder}
      notFoundContent={found.isFetching ? '查找中…' : '没有找到名称相符的党组织'}
      allowClear
      style={{ width: '100%' }}
    />
  );
}
