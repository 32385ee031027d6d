// Dashboard charts, framework-free: the report's shape, scales, ticks, SVG paths and the text summaries that make each
// chart readable without seeing it. ui/dashboards only draws what these functions compute.

/** One bucket of `GET /api/v1/workflows/{id}/dashboard`. */
export interface DashboardBucket {
  start: string;
  end: string;
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  cycleP50Seconds: number | null;
  cycleP90Seconds: number | null;
  approvals: number;
  approvalP50Seconds: number | null;
  approvalP90Seconds: number | null;
  draftReviews: number;
  draftsEdited: number;
  draftsOverridden: number;
  editRate: number | null;
  overrideRate: number | null;
  shadowCompared: number;
  shadowAgreed: number;
  shadowAgreement: number | null;
  auditReviewed: number;
  auditPassed: number;
  auditPassRate: number | null;
  agentCalls: number;
  cost: number;
}

export interface OutcomeBucket {
  start: string | null;
  end: string | null;
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  target: number | null;
  metRatio: number | null;
}

export interface DashboardReport {
  workflowId: string;
  name?: string | null;
  version?: number | null;
  from: string;
  to: string;
  bucket: string;
  summary: DashboardBucket;
  buckets: DashboardBucket[];
  outcome?: {
    metric: string;
    unit?: string | null;
    target?: number | null;
    direction?: string | null;
    description?: string | null;
    summary: OutcomeBucket;
    buckets: OutcomeBucket[];
  } | null;
}

export type ValueFormat = 'count' | 'duration' | 'percent' | 'money' | 'number';

export interface Series {
  name: string;
  values: (number | null)[];
  /** Drawn as a dashed reference line (a target). */
  reference?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  format: ValueFormat;
  kind: 'bar' | 'line';
  series: Series[];
  /** Bucket start times (ISO), one per value. */
  times: string[];
  /** False when no bucket has a value: the chart shows "no data" instead of an empty axis. */
  hasData: boolean;
  /** Why there is no data, when that is known (e.g. audit sampling has not reviewed anything yet). */
  emptyNote?: string;
}

/** The dashboard's charts, in reading order. */
export function dashboardCharts(report: DashboardReport): ChartSpec[] {
  const b = report.buckets;
  const times = b.map((x) => x.start);
  const chart = (c: Omit<ChartSpec, 'times' | 'hasData'>): ChartSpec => ({
    ...c,
    times,
    hasData: c.series.some((s) => !s.reference && s.values.some((v) => v !== null && v !== undefined)),
  });
  const charts: ChartSpec[] = [
    chart({
      id: 'throughput',
      title: 'Throughput',
      yLabel: 'Instances completed',
      format: 'count',
      kind: 'bar',
      series: [
        { name: 'Completed', values: b.map((x) => x.completed) },
        { name: 'Failed', values: b.map((x) => x.failed) },
      ],
    }),
    chart({
      id: 'cycle-time',
      title: 'Cycle time',
      yLabel: 'Start to completion',
      format: 'duration',
      kind: 'line',
      series: [
        { name: 'p50', values: b.map((x) => x.cycleP50Seconds) },
        { name: 'p90', values: b.map((x) => x.cycleP90Seconds) },
      ],
    }),
    chart({
      id: 'approval-latency',
      title: 'Approval latency',
      yLabel: 'Task created to decided',
      format: 'duration',
      kind: 'line',
      series: [
        { name: 'p50', values: b.map((x) => x.approvalP50Seconds) },
        { name: 'p90', values: b.map((x) => x.approvalP90Seconds) },
      ],
    }),
    chart({
      id: 'edit-override',
      title: 'Edit / override rate',
      yLabel: 'Share of agent drafts reviewed',
      format: 'percent',
      kind: 'line',
      series: [
        { name: 'Edited', values: b.map((x) => x.editRate) },
        { name: 'Overridden', values: b.map((x) => x.overrideRate) },
      ],
    }),
    chart({
      id: 'shadow-agreement',
      title: 'Shadow agreement',
      yLabel: 'Agent agrees with human',
      format: 'percent',
      kind: 'line',
      series: [{ name: 'Agreement', values: b.map((x) => x.shadowAgreement) }],
    }),
    {
      ...chart({
        id: 'audit-pass-rate',
        title: 'Audit pass rate',
        yLabel: 'Sampled decisions passing review',
        format: 'percent',
        kind: 'line',
        series: [{ name: 'Pass rate', values: b.map((x) => x.auditPassRate) }],
      }),
      emptyNote: 'No audit reviews in this window yet: audit sampling has not recorded any result.',
    },
    chart({
      id: 'cost',
      title: 'Agent cost',
      yLabel: 'Cost of agent calls',
      format: 'money',
      kind: 'bar',
      series: [{ name: 'Cost', values: b.map((x) => x.cost) }],
    }),
  ];
  const o = report.outcome;
  if (o) {
    const target = o.target ?? null;
    charts.push(
      chart({
        id: 'outcome',
        title: `Outcome vs target: ${o.metric}`,
        yLabel: o.unit ? `${o.metric} (${o.unit})` : o.metric,
        format: 'number',
        kind: 'line',
        series: [
          { name: 'Mean', values: o.buckets.map((x) => x.mean) },
          ...(target === null ? [] : [{ name: `Target ${formatValue(target, 'number')}`, values: o.buckets.map((x) => x.target ?? target), reference: true }]),
        ],
      }),
    );
  }
  return charts;
}

/** A linear map from a domain to a range (pixels); a zero-width domain maps to the range's start. */
export function linearScale(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** "Nice" round tick values from 0 (or min) to at least max: steps of 1, 2 or 5 × 10^n. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  const lo = Math.min(0, min);
  const hi = max <= lo ? lo + 1 : max;
  const raw = (hi - lo) / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  const last = ticks[ticks.length - 1] ?? lo;
  if (last < hi) ticks.push(Number((last + step).toPrecision(12)));
  return ticks;
}

/**
 * An SVG path through the points; a null value breaks the line (a gap, not a drop to zero), and a point with no
 * neighbour is drawn as a tiny segment so it stays visible.
 */
export function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) run.push((run[0] ?? '').replace(/^M/, 'L'));
    if (run.length > 0) parts.push(run.join(' '));
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      flush();
      return;
    }
    run.push(`${run.length === 0 ? 'M' : 'L'}${round(x(i))},${round(y(v))}`);
  });
  flush();
  return parts.join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The y domain for a chart: 0 to the largest value (percentages 0 to 1 at least). */
export function yDomain(spec: Pick<ChartSpec, 'series' | 'format'>): [number, number] {
  const all = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = all.length === 0 ? 0 : Math.max(...all);
  const min = all.length === 0 ? 0 : Math.min(0, ...all);
  if (spec.format === 'percent') return [0, Math.max(1, max)];
  return [min, max === min ? min + 1 : max];
}

/** "45 s", "12 min", "3.5 h", "2.1 d". */
export function formatDuration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${trim(seconds)} s`;
  if (s < 90 * 60) return `${trim(seconds / 60)} min`;
  if (s < 48 * 3600) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86400)} d`;
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}

export function formatValue(v: number | null | undefined, format: ValueFormat): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'no data';
  switch (format) {
    case 'count':
      return String(Math.round(v));
    case 'duration':
      return formatDuration(v);
    case 'percent':
      return `${Math.round(v * 1000) / 10}%`;
    case 'money':
      // Agent calls cost fractions of a cent: up to four decimals, without trailing zeros (0.0035, 0.5, 12.25).
      return String(Number(v.toFixed(Math.abs(v) < 1 ? 4 : 2)));
    case 'number':
      return String(Math.round(v * 100) / 100);
  }
}

/** Axis label of a bucket start: "09:00" for hours, "2 Mar" for days and weeks, "Mar 2026" for months (UTC). */
export function formatBucket(iso: string, bucket: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  if (bucket === 'hour') return `${String(d.getUTCHours()).padStart(2, '0')}:00`;
  if (bucket === 'month') return `${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]}`;
}

/** Which bucket labels to print so they do not overlap: at most `max`, evenly spaced, always the first. */
export function labelIndexes(count: number, max = 8): number[] {
  if (count <= 0) return [];
  const step = Math.max(1, Math.ceil(count / max));
  const out: number[] = [];
  for (let i = 0; i < count; i += step) out.push(i);
  return out;
}

/**
 * One sentence a screen reader announces for the chart (its aria-label): each series' latest value and its range,
 * or that there is no data.
 */
export function chartSummary(spec: ChartSpec, bucket: string): string {
  if (!spec.hasData) return `${spec.title}: no data in this window.`;
  const parts = spec.series.map((s) => {
    const points = s.values.map((v, i) => ({ v, i })).filter((p): p is { v: number; i: number } => p.v !== null && Number.isFinite(p.v));
    if (points.length === 0) return `${s.name}: no data`;
    if (s.reference) return `${s.name}`;
    const last = points[points.length - 1]!;
    const max = points.reduce((a, b) => (b.v > a.v ? b : a));
    const min = points.reduce((a, b) => (b.v < a.v ? b : a));
    return `${s.name} latest ${formatValue(last.v, spec.format)} (${formatBucket(spec.times[last.i] ?? '', bucket)}), range ${formatValue(min.v, spec.format)} to ${formatValue(max.v, spec.format)}`;
  });
  return `${spec.title}, ${spec.yLabel} per ${bucket}: ${parts.join('; ')}.`;
}

/** Query string for the dashboard endpoint: a window ending now of `days` days, in `bucket`s. */
export function dashboardQuery(now: Date, range: DashboardRange, bucket: 'hour' | 'day'): string {
  const to = new Date(now.getTime());
  // Whole buckets: the window ends at the end of the current hour / day (UTC) so the last bucket is the current one.
  if (bucket === 'hour') to.setUTCMinutes(60, 0, 0);
  else to.setUTCHours(24, 0, 0, 0);
  const from = new Date(to.getTime() - RANGE_HOURS[range] * 3600_000);
  return new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), bucket }).toString();
}

export type DashboardRange = '24h' | '7d' | '30d';
export const RANGE_HOURS: Record<DashboardRange, number> = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };
export const RANGE_LABELS: Record<DashboardRange, string> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' };
