import { Tag } from 'antd';

export type Light = 'green' | 'yellow' | 'red';

const LIGHTS: Record<Light, { word: string; color: string }> = {
  green: { word: '正常', color: 'success' },
  yellow: { word: '临期', color: 'warning' },
  red: { word: '逾期', color: 'error' },
};

export const LIGHT_WORDS: Record<Light, string> = {
  green: LIGHTS.green.word,
  yellow: LIGHTS.yellow.word,
  red: LIGHTS.red.word,
};

/** Days before its due time in which a step is 临期 (the api's LEDGER_YELLOW_DAYS default). */
export const YELLOW_DAYS = 3;

/** The light of an open step: red when overdue, yellow within YELLOW_DAYS of its due time. */
export function lightOf(
  dueAt: string | null | undefined,
  overdue: boolean,
  now: number,
): Light | null {
  if (overdue) return 'red';
  if (!dueAt) return null;
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return null;
  if (due < now) return 'yellow'; // past due but within the grace: not yet 逾期
  return due - now <= YELLOW_DAYS * 86_400_000 ? 'yellow' : 'green';
}

/** 亮灯: the colour with its word (「正常」「临期」「逾期」), never colour alone. */
export function TrafficLight({ light }: { light: Light | null | undefined }) {
  if (!light) return null;
  const { word, color } = LIGHTS[light];
  return (
    <Tag color={color} variant="solid" title={`亮灯：${word}`} style={{ marginInlineEnd: 0 }}>
      {word}
    </Tag>
  );
}
