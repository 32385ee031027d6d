import { ApiError } from '../../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** Shows an API problem's title and detail (RFC 9457), or a plain error's message. */
export function ErrorView({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  let title = 'Something went wrong';
  let detail: string | undefined;
  let status: number | undefined;
  if (error instanceof ApiError) {
    title = error.title;
    detail = error.detail;
    status = error.status || undefined;
  } else if (error instanceof Error) {
    detail = error.message;
  }
  return (
    <div className="error-box" role="alert">
      <p className="error-title">
        {title}
        {status ? <span className="error-status"> (HTTP {status})</span> : null}
      </p>
      {detail ? <p className="error-detail">{detail}</p> : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A small status pill; `tone` picks its colour, the text says the status in words. */
export function Badge({ children, tone }: { children: React.ReactNode; tone?: string }) {
  return <span className={`badge badge-${tone ?? 'neutral'}`}>{children}</span>;
}

export function versionTone(status: string): string {
  switch (status.toLowerCase()) {
    case 'published':
      return 'ok';
    case 'draft':
      return 'info';
    case 'retired':
    case 'superseded':
    case 'archived':
      return 'muted';
    case 'invalid':
    case 'rejected':
      return 'bad';
    default:
      return 'neutral';
  }
}
