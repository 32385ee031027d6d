import { describe, expect, it } from 'vitest';
import {
  chartSummary,
  dashboardCharts,
  dashboardQuery,
  formatBucket,
  formatDuration,
  formatValue,
  labelIndexes,
  linearScale,
  linePath,
  niceTicks,
  yDomain,
  type DashboardBucket,
  type DashboardReport,
} from './dashboards';

// Why: the charts are only as honest as these functions. A missing value must stay a gap (not a drop to zero), an
// empty metric must say "no data", and the text summary is all a screen-reader user gets.

const bucket = (start: string, over: Partial<DashboardBucket> = {}): DashboardBucket => ({
  start,
  end: start,
  started: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  cycleP50Seconds: null,
  cycleP90Seconds: null,
  approvals: 0,
  approvalP50Seconds: null,
  approvalP90Seconds: null,
  draftReviews: 0,
  draftsEdited: 0,
  draftsOverridden: 0,
  editRate: null,
  overrideRate: null,
  shadowCompared: 0,
  shadowAgreed: 0,
  shadowAgreement: null,
  auditReviewed: 0,
  auditPassed: 0,
  auditPassRate: null,
  agentCalls: 0,
  cost: 0,
  ...over,
});

const report: DashboardReport = {
  workflowId: 'customer-refund',
  from: '2026-03-02T00:00:00Z',
  to: '2026-03-04T00:00:00Z',
  bucket: 'day',
  summary: bucket('2026-03-02T00:00:00Z'),
  buckets: [
    bucket('2026-03-02T00:00:00Z', { completed: 2, failed: 1, cycleP50Seconds: 7200, cycleP90Seconds: 10080, shadowAgreement: 2 / 3 }),
    bucket('2026-03-03T00:00:00Z', { completed: 1, cycleP50Seconds: 14400, cycleP90Seconds: 14400, cost: 0.03 }),
  ],
  outcome: {
    metric: 'refund_cycle_time',
    unit: 'hours',
    target: 4,
    direction: 'lower-is-better',
    summary: { start: null, end: null, count: 2, mean: 3, p50: 3, p90: 4.6, target: 4, metRatio: 0.5 },
    buckets: [
      { start: '2026-03-02T00:00:00Z', end: null, count: 1, mean: 1, p50: 1, p90: 1, target: 4, metRatio: 1 },
      { start: '2026-03-03T00:00:00Z', end: null, count: 1, mean: 5, p50: 5, p90: 5, target: 4, metRatio: 0 },
    ],
  },
};

describe('dashboardCharts', () => {
  it('has every chart the ops lead asked for, with the outcome against its target', () => {
    const charts = dashboardCharts(report);
    expect(charts.map((c) => c.id)).toEqual([
      'throughput', 'cycle-time', 'approval-latency', 'edit-override', 'shadow-agreement', 'audit-pass-rate', 'cost', 'outcome',
    ]);
    const outcome = charts.find((c) => c.id === 'outcome')!;
    expect(outcome.series.map((s) => s.name)).toEqual(['Mean', 'Target 4']);
    expect(outcome.series[1]?.reference).toBe(true);
  });

  it('says "no data" for a metric nothing measured (audit sampling not running yet)', () => {
    const audit = dashboardCharts(report).find((c) => c.id === 'audit-pass-rate')!;
    expect(audit.hasData).toBe(false);
    expect(audit.emptyNote).toMatch(/No audit reviews/);
    expect(chartSummary(audit, 'day')).toBe('Audit pass rate: no data in this window.');
  });

  it('summarises a chart in words: latest value and range per series', () => {
    const cycle = dashboardCharts(report).find((c) => c.id === 'cycle-time')!;
    expect(chartSummary(cycle, 'day')).toBe(
      'Cycle time, Start to completion per day: p50 latest 4 h (3 Mar), range 2 h to 4 h; p90 latest 4 h (3 Mar), range 2.8 h to 4 h.',
    );
  });
});

describe('scales and paths', () => {
  it('maps linearly and survives a zero-width domain', () => {
    const s = linearScale([0, 10], [100, 0]);
    expect(s(0)).toBe(100);
    expect(s(5)).toBe(50);
    expect(linearScale([3, 3], [0, 50])(3)).toBe(0);
  });

  it('chooses round ticks that cover the maximum', () => {
    expect(niceTicks(0, 7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 1)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 0)).toEqual([0, 0.5, 1]); // an empty chart still gets an axis
    const t = niceTicks(0, 14400);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(14400);
  });

  it('breaks the line at a missing value instead of dropping to zero', () => {
    const x = (i: number) => i * 10;
    const y = (v: number) => 100 - v;
    expect(linePath([1, 2, null, 4], x, y)).toBe('M0,99 L10,98 M30,96 L30,96');
    expect(linePath([null, null], x, y)).toBe('');
  });

  it('keeps percentages on a 0–100 % axis', () => {
    expect(yDomain({ format: 'percent', series: [{ name: 'a', values: [0.2, null] }] })).toEqual([0, 1]);
    expect(yDomain({ format: 'count', series: [{ name: 'a', values: [null] }] })).toEqual([0, 1]);
    expect(yDomain({ format: 'count', series: [{ name: 'a', values: [3, 7] }] })).toEqual([0, 7]);
  });
});

describe('formatting', () => {
  it('formats durations, values and bucket labels', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(720)).toBe('12 min');
    expect(formatDuration(12600)).toBe('3.5 h');
    expect(formatDuration(3 * 86400)).toBe('3 d');
    expect(formatValue(null, 'percent')).toBe('no data');
    expect(formatValue(2 / 3, 'percent')).toBe('66.7%');
    expect(formatValue(0.03, 'money')).toBe('0.03');
    expect(formatValue(0.00351, 'money')).toBe('0.0035');
    expect(formatValue(0, 'money')).toBe('0');
    expect(formatBucket('2026-03-02T09:00:00Z', 'hour')).toBe('09:00');
    expect(formatBucket('2026-03-02T00:00:00Z', 'day')).toBe('2 Mar');
    expect(labelIndexes(30, 8)).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
  });

  it('asks for whole buckets ending with the current one', () => {
    const q = new URLSearchParams(dashboardQuery(new Date('2026-03-03T10:20:00Z'), '24h', 'hour'));
    expect(q.get('to')).toBe('2026-03-03T11:00:00.000Z');
    expect(q.get('from')).toBe('2026-03-02T11:00:00.000Z');
    expect(q.get('bucket')).toBe('hour');
    const d = new URLSearchParams(dashboardQuery(new Date('2026-03-03T10:20:00Z'), '7d', 'day'));
    expect(d.get('to')).toBe('2026-03-04T00:00:00.000Z');
    expect(d.get('from')).toBe('2026-02-25T00:00:00.000Z');
  });
});
