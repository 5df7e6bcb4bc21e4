import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface Props {
  /** uPlot options without width (the chart takes its container's width). */
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  testId?: string;
}

/** A uPlot time series / line chart that follows its container's width. */
export function UplotChart({ options, data, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    // A static legend (series names and colours): the live one shows `--` for every value until the cursor is on a point.
    plot.current = new uPlot({ legend: { live: false }, ...options, width: Math.max(300, el.clientWidth) }, data, el);
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: options.height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Options are rebuilt by the caller when what they show changes; data updates go through setData below.
  }, [options]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return <div ref={box} className="chart" data-testid={testId} />;
}
