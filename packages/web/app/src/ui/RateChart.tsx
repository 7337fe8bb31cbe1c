/**
 * Event rate over time by outcome, drawn by uPlot on a canvas. uPlot sets its
 * sizes through the CSSOM (element.style), which style-src 'self' allows; its
 * stylesheet is bundled from the package, not injected.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface RateSeries {
  /** Bucket starts, seconds since the epoch. */
  times: number[];
  success: number[];
  failure: number[];
  unknown: number[];
}

const COLORS = { success: '#15803d', failure: '#b91c1c', unknown: '#6b7280' };

export function RateChart({ data, label }: { data: RateSeries; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = Math.max(280, el.clientWidth);
    const opts: uPlot.Options = {
      width,
      height: 220,
      series: [
        {},
        { label: 'success', stroke: COLORS.success, width: 2 },
        { label: 'failure', stroke: COLORS.failure, width: 2 },
        { label: 'unknown', stroke: COLORS.unknown, width: 1 },
      ],
      axes: [{}, { label: 'events / min' }],
      scales: { x: { time: true } },
    };
    const plot = new uPlot(opts, [data.times, data.success, data.failure, data.unknown], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
