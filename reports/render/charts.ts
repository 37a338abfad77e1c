// Charts as SVG strings, rendered in Node by echarts' server-side renderer: no browser, no
// script in the page. Every figure that has a spread is drawn with it (a whisker from the
// repetitions' min to max); exact counts (bytes) are drawn as they are.

import type {
  CustomSeriesOption,
  CustomSeriesRenderItem,
  EChartsOption,
  LineSeriesOption,
} from 'echarts';
import * as echarts from 'echarts';
import type { Spread } from '../../bench/shootout/results.ts';

/** One colour per variant across every chart: families share a hue (gRPC blues, Connect greens). */
const VARIANT_COLOURS: Record<string, string> = {
  rest: '#e8710a',
  graphql: '#d0388f',
  grpc: '#1a56b8',
  'grpc-connect': '#5b8fd9',
  'connect-json-h1': '#7bbf6a',
  'connect-proto-h1': '#2e8b57',
  'connect-json-h2': '#a3c94f',
  'connect-proto-h2': '#0f6b3a',
  'grpc-web-h1': '#8e63c7',
  'grpc-web-h2': '#5a3596',
};
const SPARE_COLOURS = ['#7f7f7f', '#bcbd22', '#17becf', '#8c564b', '#e377c2'];

export function colourOf(name: string, index = 0): string {
  return VARIANT_COLOURS[name] ?? SPARE_COLOURS[index % SPARE_COLOURS.length] ?? '#7f7f7f';
}

export const LAYER_COLOURS: Record<string, string> = {
  headers: '#4e79a7',
  framing: '#f28e2b',
  body: '#59a14f',
  trailers: '#e15759',
  connection: '#9c755f',
};

// Unquoted: zrender writes the family into a style attribute without escaping quotes.
/** Axis ticks: no trailing zeros ("20", "0.5", "1,500"). */
function formatAxis(value: number): string {
  return Number(value.toPrecision(3)).toLocaleString('en-US');
}

const FONT = {
  fontFamily: 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif',
};

export interface Chart {
  /** Stable id inside a report (used for file names and element ids). */
  id: string;
  title: string;
  /** The SVG as a standalone document (with its XML namespace), for a file. */
  svg: string;
}

let rendered = 0;

/**
 * Renders an option to SVG. zrender names its clip paths and hover classes per instance
 * (zr0-c0, zr0-cls-0...); several charts inline in one page must not share those names, so
 * each chart gets its own prefix.
 */
function render(
  id: string,
  title: string,
  option: EChartsOption,
  width: number,
  height: number,
): Chart {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      textStyle: FONT,
      aria: { enabled: true, label: { description: title } },
      ...option,
    });
    const prefix = `c${++rendered}-`;
    const svg = chart.renderToSVGString().replace(/zr\d+-/g, prefix);
    return { id, title, svg };
  } finally {
    chart.dispose();
  }
}

/** The SVG for inlining in HTML: no XML namespace declarations (HTML parsers supply them). */
export function inlineSvg(chart: Chart): string {
  return chart.svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace('<svg ', `<svg role="img" aria-label="${escapeAttribute(chart.title)}" `);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function titleOf(text: string, sub?: string): EChartsOption['title'] {
  return {
    text,
    ...(sub ? { subtext: sub } : {}),
    left: 8,
    top: 4,
    textStyle: { fontSize: 14, fontWeight: 600, ...FONT },
    subtextStyle: { fontSize: 11, color: '#555', ...FONT },
  };
}

/** Whiskers from min to max at each point, drawn by a custom series (echarts has none built in). */
function whiskers(
  name: string,
  colour: string,
  data: [number, number, number, number][],
  offset: (api: Parameters<CustomSeriesRenderItem>[1]) => number = () => 0,
): CustomSeriesOption {
  const renderItem: CustomSeriesRenderItem = (_params, api) => {
    const x = api.value(0) as number;
    const low = api.coord([x, api.value(2)]) as number[];
    const high = api.coord([x, api.value(3)]) as number[];
    const cx = (low[0] as number) + offset(api);
    const style = { stroke: colour, lineWidth: 1.5 };
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: cx, y1: low[1], x2: cx, y2: high[1] }, style },
        { type: 'line', shape: { x1: cx - 4, y1: low[1], x2: cx + 4, y2: low[1] }, style },
        { type: 'line', shape: { x1: cx - 4, y1: high[1], x2: cx + 4, y2: high[1] }, style },
      ],
    };
  };
  return {
    type: 'custom',
    name,
    renderItem,
    data,
    encode: { x: 0, y: [1, 2, 3] },
    itemStyle: { color: colour },
    z: 5,
  };
}

export interface CurveSeries {
  name: string;
  /** Values at the x categories (NaN where missing). */
  values: number[];
  /** Min–max over repetitions at some of the categories. */
  spreads?: (Spread | undefined)[];
  dashed?: boolean;
}

/** Lines over categorical x (percentiles, concurrency levels), whiskers where spreads exist. */
export function lineChart(options: {
  id: string;
  title: string;
  subtitle?: string;
  categories: string[];
  series: CurveSeries[];
  xName?: string;
  log?: boolean;
  width?: number;
  height?: number;
}): Chart {
  const series: (LineSeriesOption | CustomSeriesOption)[] = [];
  options.series.forEach((s, i) => {
    const colour = colourOf(s.name.replace(/ \(.*\)$/, ''), i);
    series.push({
      type: 'line',
      name: s.name,
      data: s.values.map((v) => (Number.isFinite(v) && (!options.log || v > 0) ? v : '-')),
      symbolSize: 5,
      lineStyle: { width: 2, color: colour, type: s.dashed ? 'dashed' : 'solid' },
      itemStyle: { color: colour },
    });
    const spreadData = (s.spreads ?? [])
      .map((sp, x) =>
        sp && sp.n > 1 && Number.isFinite(sp.min) && (!options.log || sp.min > 0)
          ? ([x, sp.median, sp.min, sp.max] as [number, number, number, number])
          : undefined,
      )
      .filter((d) => d !== undefined);
    if (spreadData.length > 0) series.push(whiskers(s.name, colour, spreadData));
  });
  const legendRows = Math.ceil(options.series.length / 5);
  const top = options.subtitle ? 58 : 40;
  return render(
    options.id,
    options.title,
    {
      title: titleOf(options.title, options.subtitle),
      legend: {
        bottom: 4,
        data: options.series.map((s) => s.name),
        textStyle: { fontSize: 11 },
        itemGap: 16,
        itemWidth: 18,
        itemHeight: 8,
      },
      grid: { left: 64, right: 24, top, bottom: 40 + legendRows * 18 },
      xAxis: {
        type: 'category',
        data: options.categories,
        boundaryGap: false,
        ...(options.xName ? { name: options.xName, nameLocation: 'middle', nameGap: 24 } : {}),
      },
      yAxis: {
        type: options.log ? 'log' : 'value',
        axisLabel: { formatter: formatAxis },
        ...(options.log ? {} : { min: 0 }),
      },
      series,
    },
    options.width ?? (options.series.length > 6 ? 620 : 560),
    options.height ?? (options.series.length > 6 ? 340 : 300) + legendRows * 18,
  );
}

export interface BarGroup {
  name: string;
  colour?: string;
  /** One spread per category; exact values are spreads with min = max. */
  values: (Spread | undefined)[];
}

/**
 * Vertical grouped bars, each with its min–max whisker; a custom series so the whisker sits on
 * its own bar whatever the grouping.
 */
export function spreadBarChart(options: {
  id: string;
  title: string;
  subtitle?: string;
  categories: string[];
  groups: BarGroup[];
  width?: number;
  height?: number;
  rotateLabels?: boolean;
}): Chart {
  const k = options.groups.length;
  const series: CustomSeriesOption[] = options.groups.map((group, gi) => {
    const colour = group.colour ?? colourOf(group.name, gi);
    // A single group is one bar per variant: colour each bar as its variant everywhere else.
    const fillOf = (x: number) =>
      k === 1 && !group.colour ? colourOf(options.categories[x] ?? '', x) : colour;
    const renderItem: CustomSeriesRenderItem = (_params, api) => {
      const x = api.value(0) as number;
      const base = api.coord([x, 0]) as number[];
      const top = api.coord([x, api.value(1)]) as number[];
      const low = api.coord([x, api.value(2)]) as number[];
      const high = api.coord([x, api.value(3)]) as number[];
      // Category bands are all as wide; size() gives it in pixels (absent only in other coord systems).
      const size = api.size ? (api.size([1, 0]) as number[]) : [40];
      const band = size[0] ?? 40;
      const slot = (band * 0.8) / k;
      const left = (base[0] as number) - band * 0.4 + gi * slot;
      const cx = left + slot / 2;
      const whisker = { stroke: '#222', lineWidth: 1.2 };
      const spread = (low[1] as number) - (high[1] as number) > 0.5;
      return {
        type: 'group',
        children: [
          {
            type: 'rect',
            shape: {
              x: left + slot * 0.08,
              y: top[1],
              width: slot * 0.84,
              height: Math.max(0.5, (base[1] as number) - (top[1] as number)),
            },
            style: { fill: fillOf(x) },
          },
          ...(spread
            ? [
                {
                  type: 'line' as const,
                  shape: { x1: cx, y1: low[1], x2: cx, y2: high[1] },
                  style: whisker,
                },
                {
                  type: 'line' as const,
                  shape: { x1: cx - 3, y1: low[1], x2: cx + 3, y2: low[1] },
                  style: whisker,
                },
                {
                  type: 'line' as const,
                  shape: { x1: cx - 3, y1: high[1], x2: cx + 3, y2: high[1] },
                  style: whisker,
                },
              ]
            : []),
        ],
      };
    };
    return {
      type: 'custom',
      name: group.name,
      renderItem,
      itemStyle: { color: colour },
      encode: { x: 0, y: [1, 2, 3] },
      data: group.values
        .map((s, x) =>
          s && Number.isFinite(s.median)
            ? [
                x,
                s.median,
                Number.isFinite(s.min) ? s.min : s.median,
                Number.isFinite(s.max) ? s.max : s.median,
              ]
            : undefined,
        )
        .filter((d) => d !== undefined),
    };
  });
  const legendRows = k > 1 ? Math.ceil(k / 5) : 0;
  const top = options.subtitle ? 58 : 40;
  const labelRoom = options.rotateLabels ? 70 : 28;
  return render(
    options.id,
    options.title,
    {
      title: titleOf(options.title, options.subtitle),
      ...(k > 1
        ? {
            legend: {
              bottom: 4,
              data: options.groups.map((g) => g.name),
              textStyle: { fontSize: 11 },
              itemGap: 16,
              itemWidth: 14,
              itemHeight: 8,
            },
          }
        : {}),
      grid: { left: 64, right: 16, top, bottom: labelRoom + legendRows * 18 },
      xAxis: {
        type: 'category',
        data: options.categories,
        axisLabel: { interval: 0, fontSize: 11, rotate: options.rotateLabels ? 30 : 0 },
      },
      yAxis: {
        type: 'value',
        min: 0,
        axisLabel: { formatter: formatAxis },
      },
      series,
    },
    options.width ?? 560,
    options.height ?? 280 + legendRows * 18 + (options.rotateLabels ? 40 : 0),
  );
}

export interface StackRow {
  label: string;
  /** Bytes per layer, in LAYER order. */
  layers: Record<string, number>;
}

/** Horizontal stacked bars: bytes per operation split into layers, one bar per row. */
export function stackedBytesChart(options: {
  id: string;
  title: string;
  subtitle?: string;
  rows: StackRow[];
  layers: readonly string[];
  width?: number;
}): Chart {
  const rows = [...options.rows].reverse(); // echarts draws the first category at the bottom
  const height = 110 + rows.length * 20;
  return render(
    options.id,
    options.title,
    {
      title: titleOf(options.title, options.subtitle),
      legend: {
        bottom: 2,
        itemGap: 14,
        data: [...options.layers],
        textStyle: { fontSize: 11 },
        itemWidth: 14,
        itemHeight: 8,
      },
      grid: { left: 150, right: 64, top: options.subtitle ? 58 : 40, bottom: 48 },
      xAxis: {
        type: 'value',
        axisLabel: { formatter: formatAxis },
      },
      yAxis: {
        type: 'category',
        data: rows.map((r) => r.label),
        axisLabel: { fontSize: 11 },
      },
      series: options.layers.map((layer, li) => ({
        type: 'bar' as const,
        name: layer,
        stack: 'bytes',
        barWidth: 13,
        itemStyle: { color: LAYER_COLOURS[layer] ?? '#999' },
        data: rows.map((r) => r.layers[layer] ?? 0),
        // The total at the end of each bar, on the last layer.
        ...(li === options.layers.length - 1
          ? {
              label: {
                show: true,
                position: 'right' as const,
                fontSize: 10,
                color: '#333',
                formatter: (p: { dataIndex: number }) => {
                  const row = rows[p.dataIndex];
                  const total = row
                    ? Object.values(row.layers).reduce((a, b) => a + b, 0)
                    : Number.NaN;
                  return Math.round(total).toLocaleString('en-US');
                },
              },
            }
          : {}),
      })),
    },
    options.width ?? 560,
    height,
  );
}
