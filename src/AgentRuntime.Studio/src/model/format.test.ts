import { describe, expect, it } from 'vitest';
import { formatDateTime, formatPercent, formatTarget, formatVersion, formatWarning } from './format';

describe('format', () => {
  it('formats targets with their direction and unit', () => {
    expect(formatTarget(48, 'hours', 'lower-is-better')).toBe('≤ 48 hours');
    expect(formatTarget(0.9, null, 'higher-is-better')).toBe('≥ 0.9');
    expect(formatTarget(3, 'EUR', undefined)).toBe('3 EUR');
    expect(formatTarget(null, 'EUR', 'lower-is-better')).toBe('—');
    expect(formatTarget(0, 'count', null)).toBe('0 count');
  });

  it('formats rates as percentages', () => {
    expect(formatPercent(0.05)).toBe('5%');
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatPercent(undefined)).toBe('—');
  });

  it('formats versions and dates, tolerating gaps', () => {
    expect(formatVersion(3)).toBe('v3');
    expect(formatVersion(null)).toBe('—');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatDateTime('2026-01-02T03:04:05Z', 'en-GB')).toMatch(/2026/);
  });

  // Why: a version saved with readiness warnings comes back with problem objects; rendered as a React child, the
  // object blanked the whole workflow page.
  it('formats a version warning given as text or as a problem object', () => {
    expect(formatWarning('AR401 No owner')).toBe('AR401 No owner');
    expect(formatWarning({ Code: 'AR401', Message: 'No owner.', Severity: 'warning' })).toBe('AR401 No owner.');
    expect(formatWarning({ code: 'AR405', message: 'No audit protocol.' })).toBe('AR405 No audit protocol.');
    expect(formatWarning({ other: 1 })).toBe('{"other":1}');
  });
});
