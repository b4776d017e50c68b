import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { components } from '../../api/schema';

// Only the parts this chart uses: ECharts stays in the cockpit's chunk, and small
echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

type Row = components['schemas']['UnitRollupRowDto'];

/**
 * A bar chart of one level's units: 未完成, 逾期 and 已销号 per unit, 按时完成率 as a line on the
 * right axis. The words are in the legend and the tooltip, not in colour alone.
 */
export default function RollupChart({ rows, title }: { rows: readonly Row[]; title: string }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const instance = echarts.init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { top: 0, data: ['未完成', '逾期', '已销号', '按时完成率'] },
        grid: { left: 48, right: 56, top: 40, bottom: 72 },
        xAxis: {
          type: 'category',
          data: rows.map((row) => row.orgUnitName),
          axisLabel: {
            interval: 0,
            rotate: rows.length > 6 ? 30 : 0,
            width: 120,
            overflow: 'truncate',
          },
        },
        yAxis: [
          { type: 'value', name: '事项数', minInterval: 1 },
          {
            type: 'value',
            name: '按时完成率',
            min: 0,
            max: 100,
            axisLabel: { formatter: '{value}%' },
          },
        ],
        series: [
          {
            name: '未完成',
            type: 'bar',
            data: rows.map((row) => row.openAtEnd),
            itemStyle: { color: '#1677ff' },
          },
          {
            name: '逾期',
            type: 'bar',
            data: rows.map((row) => row.overdueAtEnd),
            itemStyle: { color: '#cf1322' },
          },
          {
            name: '已销号',
            type: 'bar',
            data: rows.map((row) => row.closed),
            itemStyle: { color: '#389e0d' },
          },
          {
            name: '按时完成率',
            type: 'line',
            yAxisIndex: 1,
            connectNulls: false,
            data: rows.map((row) =>
              row.onTimeRate === null ? null : Math.round(row.onTimeRate * 1000) / 10,
            ),
            itemStyle: { color: '#d48806' },
            tooltip: {
              valueFormatter: (value: unknown) => (typeof value === 'number' ? `${value}%` : '—'),
            },
          },
        ],
      },
      true,
    );
  }, [rows]);

  return (
    <div
      ref={container}
      role="img"
      aria-label={title}
      data-testid="rollup-chart"
      style={{ width: '100%', height: 340 }}
    />
  );
}
