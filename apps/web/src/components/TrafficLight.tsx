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
