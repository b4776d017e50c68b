import { Alert, Button, Flex, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';

export interface DiagramMarks {
  /** Elements to mark as where things stand now (e.g. this step, the active elements). */
  readonly current?: readonly string[];
  /** Elements already passed (shaded). */
  readonly completed?: readonly string[];
  /** Elements with a problem (incidents, lint problems). */
  readonly problems?: readonly string[];
  /** A small count badge per element id. */
  readonly counts?: Readonly<Record<string, number>>;
}

interface Props {
  readonly xml: string;
  readonly marks?: DiagramMarks;
  /** Height in px (default 420). */
  readonly height?: number;
  /** What a screen reader hears for the diagram. */
  readonly label?: string;
}

const MARKER_CSS = `
.bf-diagram .bf-current:not(.djs-connection) .djs-visual > :nth-child(1) { stroke: #c00000 !important; stroke-width: 3px !important; fill: #fff1f0 !important; }
.bf-diagram .bf-completed:not(.djs-connection) .djs-visual > :nth-child(1) { fill: #f0f0f0 !important; stroke: #8c8c8c !important; }
.bf-diagram .bf-problem:not(.djs-connection) .djs-visual > :nth-child(1) { stroke: #cf1322 !important; stroke-width: 3px !important; stroke-dasharray: 6 3; fill: #fff2f0 !important; }
.bf-diagram .bf-count { background: #c00000; color: #fff; border-radius: 10px; padding: 0 6px; font-size: 12px; line-height: 18px; min-width: 18px; text-align: center; }
.bf-diagram .bjs-powered-by { z-index: 10; }
`;

type Viewer = import('bpmn-js/lib/NavigatedViewer').default;

/**
 * A BPMN diagram drawn by bpmn-js's NavigatedViewer (pan with the mouse, zoom with the wheel or
 * the buttons); bpmn-js loads with the first diagram shown, never with the first page. The
 * bpmn.io watermark stays visible (its licence requires it).
 */
export function DiagramViewer({ xml, marks, height = 420, label = '流程图' }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const viewer = useRef<Viewer | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');

  useEffect(() => {
    let cancelled = false;
    let created: Viewer | null = null;
    setState('loading');
    void (async () => {
      try {
        const [{ default: NavigatedViewer }] = await Promise.all([
          import('bpmn-js/lib/NavigatedViewer'),
          import('bpmn-js/dist/assets/diagram-js.css'),
          import('bpmn-js/dist/assets/bpmn-js.css'),
        ]);
        if (cancelled || !container.current) return;
        created = new NavigatedViewer({ container: container.current });
        viewer.current = created;
        await created.importXML(xml);
        if (cancelled) return;
        const canvas = created.get<{
          zoom(level: string): void;
          addMarker(id: string, marker: string): void;
        }>('canvas');
        canvas.zoom('fit-viewport');
        const registry = created.get<{ get(id: string): unknown }>('elementRegistry');
        const overlays = created.get<{ add(id: string, overlay: object): void }>('overlays');
        const mark = (ids: readonly string[] | undefined, marker: string) => {
          for (const id of ids ?? []) if (registry.get(id)) canvas.addMarker(id, marker);
        };
        mark(marks?.completed, 'bf-completed');
        mark(marks?.current, 'bf-current');
        mark(marks?.problems, 'bf-problem');
        for (const [id, count] of Object.entries(marks?.counts ?? {})) {
          const shape = registry.get(id) as { label?: unknown } | undefined;
          if (!shape || count <= 0) continue;
          const badge = document.createElement('div');
          badge.className = 'bf-count';
          badge.textContent = String(count);
          badge.setAttribute('aria-label', `${count} 个`);
          // events and gateways carry their name below them: the badge goes top right there
          const position = shape.label ? { top: -10, right: 8 } : { bottom: 8, right: 8 };
          overlays.add(id, { position, html: badge });
        }
        setState('ready');
      } catch (error) {
        console.error(error);
        if (!cancelled) setState('failed');
      }
    })();
    return () => {
      cancelled = true;
      created?.destroy();
      viewer.current = null;
    };
  }, [xml, marks]);

  const zoom = (factor: number | 'fit') => {
    const canvas = viewer.current?.get<{ zoom(level?: number | string): number }>('canvas');
    if (!canvas) return;
    if (factor === 'fit') canvas.zoom('fit-viewport');
    else canvas.zoom(canvas.zoom() * factor);
  };

  return (
    <div className="bf-diagram" role="img" aria-label={label} style={{ position: 'relative' }}>
      <style>{MARKER_CSS}</style>
      {state === 'failed' && <Alert type="warning" showIcon title="流程图未能显示" />}
      <Spin spinning={state === 'loading'} description="正在加载流程图…">
        <div
          ref={container}
          style={{ height, border: '1px solid #f0f0f0', borderRadius: 6, background: '#fff' }}
        />
      </Spin>
      <Flex gap={4} style={{ position: 'absolute', top: 8, right: 8, zIndex: 5 }}>
        <Button size="small" onClick={() => zoom(1.2)} aria-label="放大">
          ＋
        </Button>
        <Button size="small" onClick={() => zoom(1 / 1.2)} aria-label="缩小">
          －
        </Button>
        <Button size="small" onClick={() => zoom('fit')}>
          适应窗口
        </Button>
      </Flex>
    </div>
  );
}

export default DiagramViewer;
