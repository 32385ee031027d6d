// Small display helpers shared by the screens. Pure and locale-aware through Intl.

export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}

/** "≤ 48 hours" for a lower-is-better target, "≥ 0.9" for higher-is-better, plain otherwise. */
export function formatTarget(target: number | null | undefined, unit?: string | null, direction?: string | null): string {
  if (target === null || target === undefined) return '—';
  const op = direction === 'lower-is-better' ? '≤ ' : direction === 'higher-is-better' ? '≥ ' : '';
  return `${op}${target}${unit ? ` ${unit}` : ''}`;
}

/** Version column text: "v3" or "—". */
export function formatVersion(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `v${v}`;
}

/**
 * A stored version's warning as text. The host has sent them both as text and as problem objects (`{Code, Message…}`,
 * PascalCase from the catalog's serializer); rendering the object itself crashed the workflow page.
 */
export function formatWarning(w: unknown): string {
  if (typeof w === 'string') return w;
  if (w && typeof w === 'object') {
    const o = w as Record<string, unknown>;
    const code = o['code'] ?? o['Code'];
    const message = o['message'] ?? o['Message'];
    if (typeof message === 'string') return typeof code === 'string' && code ? `${code} ${message}` : message;
  }
  return JSON.stringify(w);
}
