import { useId } from 'react';
import {
  chartSummary,
  formatBucket,
  formatValue,
  labelIndexes,
  linePath,
  linearScale,
  niceTicks,
  yDomain,
  type ChartSpec,
} from '../../model/dashboards/dashboards';

const W = 520;
const H = 230;
const M = { top: 12, right: 14, bottom: 40, left: 64 };
const COLORS = ['#2f5fd0', '#b7791f', '#6d4bd1', '#1f7a4d'];

/**
 * One dashboard chart as plain SVG: a title, y- and x-axis labels, a legend, and for assistive technology a one-line
 * summary (the SVG's accessible name) plus the full figures in a visually hidden table.
 */
export function Chart({ spec, bucket }: { spec: ChartSpec; bucket: string }) {
  const id = useId();
  const summary = chartSummary(spec, bucket);
  const n = spec.times.length;
  const [d0, d1] = yDomain(spec);
  const ticks = niceTicks(d0, d1, 4);
  const top = ticks[ticks.length - 1] ?? d1;
  const y = linearScale([Math.min(d0, ticks[0] ?? 0), top], [H - M.bottom, M.top]);
  const plotW = W - M.left - M.right;
  const slot = n === 0 ? plotW : plotW / n;
  const x = (i: number) => M.left + slot * (i + 0.5);
  const bars = spec.kind === 'bar' ? spec.series.filter((s) => !s.reference) : [];
  const barW = bars.length === 0 ? 0 : Math.max(1, (slot * 0.8) / bars.length);

  return (
    <figure className="chart" aria-labelledby={`${id}-title`} data-chart={spec.id}>
      <figcaption id={`${id}-title`} className="chart-title">
        {spec.title}
      </figcaption>
      {spec.series.length > 1 ? (
        <ul className="chart-legend" aria-hidden="true">
          {spec.series.map((s, i) => (
            <li key={s.name}>
              <span className={`swatch${s.reference ? ' swatch-reference' : ''}`} style={{ background: s.reference ? undefined : COLORS[i % COLORS.length], borderColor: COLORS[i % COLORS.length] }} />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} className="chart-svg" preserveAspectRatio="xMidYMid meet">
        {/* y axis: gridlines and labels */}
        {ticks.map((t) => (
          <g key={t} aria-hidden="true">
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 6} y={y(t)} className="tick" textAnchor="end" dominantBaseline="middle">
              {formatValue(t, spec.format)}
            </text>
          </g>
        ))}
        <text className="axis-label" aria-hidden="true" transform={`translate(12 ${(H - M.bottom + M.top) / 2}) rotate(-90)`} textAnchor="middle">
          {spec.yLabel}
        </text>
        {/* x axis */}
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} className="axis" aria-hidden="true" />
        {labelIndexes(n, 7).map((i) => (
          <text key={i} x={x(i)} y={H - M.bottom + 14} className="tick" textAnchor="middle" aria-hidden="true">
            {formatBucket(spec.times[i] ?? '', bucket)}
          </text>
        ))}
        <text x={M.left + plotW / 2} y={H - 6} className="axis-label" textAnchor="middle" aria-hidden="true">
          Time (UTC, per {bucket})
        </text>
        {spec.hasData ? (
          <g aria-hidden="true">
            {bars.map((s, si) =>
              s.values.map((v, i) =>
                v === null || v === 0 ? null : (
                  <rect
                    key={`${s.name}-${i}`}
                    x={M.left + slot * i + slot * 0.1 + barW * si}
                    y={y(Math.max(0, v))}
                    width={barW}
                    height={Math.max(0, y(0) - y(Math.max(0, v)))}
                    fill={COLORS[si % COLORS.length]}
                  >
                    <title>{`${s.name} ${formatBucket(spec.times[i] ?? '', bucket)}: ${formatValue(v, spec.format)}`}</title>
                  </rect>
                ),
              ),
            )}
            {spec.kind === 'line' || spec.series.some((s) => s.reference)
              ? spec.series.map((s, si) =>
                  spec.kind === 'line' || s.reference ? (
                    <g key={s.name}>
                      <path d={linePath(s.values, x, y)} fill="none" stroke={COLORS[si % COLORS.length]} strokeWidth={2} strokeDasharray={s.reference ? '6 4' : undefined} />
                      {!s.reference
                        ? s.values.map((v, i) =>
                            v === null ? null : (
                              <circle key={i} cx={x(i)} cy={y(v)} r={3} fill={COLORS[si % COLORS.length]}>
                                <title>{`${s.name} ${formatBucket(spec.times[i] ?? '', bucket)}: ${formatValue(v, spec.format)}`}</title>
                              </circle>
                            ),
                          )
                        : null}
                    </g>
                  ) : null,
                )
              : null}
          </g>
        ) : (
          <text x={M.left + plotW / 2} y={(H - M.bottom + M.top) / 2} className="no-data" textAnchor="middle">
            No data
          </text>
        )}
      </svg>
      {!spec.hasData && spec.emptyNote ? <p className="chart-note">{spec.emptyNote}</p> : null}
      <table className="visually-hidden">
        <caption>{spec.title} per {bucket}</caption>
        <thead>
          <tr>
            <th scope="col">{bucket}</th>
            {spec.series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {spec.times.map((t, i) => (
            <tr key={t}>
              <th scope="row">{formatBucket(t, bucket)}</th>
              {spec.series.map((s) => (
                <td key={s.name}>{formatValue(s.values[i] ?? null, spec.format)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
