import { formatDateTime, formatWarning } from '../../model/format';
import type { WorkflowVersion } from '../../model/types';
import { Badge, versionTone } from '../common/Status';

export function VersionList({ versions }: { versions: WorkflowVersion[] }) {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  return (
    <section className="panel" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      {sorted.length === 0 ? (
        <p className="missing">No versions.</p>
      ) : (
        <ol className="versions" reversed>
          {sorted.map((v) => (
            <li key={v.version} className="version">
              <div className="version-line">
                <strong>v{v.version}</strong> <Badge tone={versionTone(v.status)}>{v.status}</Badge>
                {v.sourceName ? <span className="fact-note"> {v.sourceName}</span> : null}
              </div>
              <div className="fact-note">
                created {formatDateTime(v.createdAt)}
                {v.createdBy ? ` by ${v.createdBy}` : ''}
                {v.publishedAt ? ` · published ${formatDateTime(v.publishedAt)}` : ''}
              </div>
              {v.contentHash ? (
                <div className="fact-note">
                  hash <code title={v.contentHash}>{v.contentHash.slice(0, 12)}</code>
                </div>
              ) : null}
              {v.warnings && v.warnings.length > 0 ? (
                <details className="warnings">
                  <summary>
                    {v.warnings.length} warning{v.warnings.length === 1 ? '' : 's'}
                  </summary>
                  <ul>
                    {v.warnings.map((w, i) => (
                      <li key={i}>{formatWarning(w)}</li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
