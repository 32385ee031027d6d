import { describeValue, type DefinitionDiff } from '../../model/designer/diff';
import { formatDateTime } from '../../model/format';
import type { WorkflowVersion } from '../../model/types';
import { Badge, versionTone } from '../common/Status';

/**
 * Every stored version with who made it and when. "Compare" shows the version against the current draft on the canvas
 * (added, changed and removed nodes marked) and lists each changed property; "Revert to" loads the version into the
 * draft, which "Save draft" then stores as a new draft version (the designer's revert; publishing it is a separate step).
 */
export function VersionHistory({
  versions,
  comparing,
  diff,
  onCompare,
  onRevert,
  readOnly,
}: {
  versions: WorkflowVersion[];
  comparing?: number;
  diff?: DefinitionDiff;
  onCompare: (version: number | undefined) => void;
  onRevert: (version: number) => void;
  readOnly: boolean;
}) {
  if (versions.length === 0) return <p className="field-help">Not saved yet: no versions.</p>;
  return (
    <section aria-labelledby="versions-heading" className="version-history">
      <h2 id="versions-heading" className="panel-title">
        Versions
      </h2>
      <ol className="version-list" reversed>
        {versions.map((v) => (
          <li key={v.version} className={comparing === v.version ? 'is-comparing' : undefined}>
            <div>
              <strong>v{v.version}</strong> <Badge tone={versionTone(v.status)}>{v.status}</Badge>
            </div>
            <div className="version-meta">
              {v.createdBy ?? 'unknown'} · <time dateTime={v.createdAt ?? undefined}>{formatDateTime(v.createdAt)}</time>
              {v.publishedAt ? <> · published {formatDateTime(v.publishedAt)}</> : null}
            </div>
            <div className="button-row">
              <button type="button" className="button button-quiet" aria-pressed={comparing === v.version} onClick={() => onCompare(comparing === v.version ? undefined : v.version)}>
                {comparing === v.version ? `Stop comparing v${v.version}` : `Compare v${v.version} with draft`}
              </button>
              {!readOnly ? (
                <button type="button" className="button button-quiet" onClick={() => onRevert(v.version)}>
                  Revert to v{v.version}
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      {comparing !== undefined && diff ? (
        <div className="diff-list" aria-live="polite">
          <h3>
            Changes from v{comparing} to the draft ({diff.changes.length})
          </h3>
          <p className="diff-legend">
            <span className="diff-flag diff-flag-added">added</span> <span className="diff-flag diff-flag-changed">changed</span>{' '}
            <span className="diff-flag diff-flag-removed">removed</span> nodes are marked on the canvas.
          </p>
          {diff.changes.length === 0 ? (
            <p>No differences (positions aside).</p>
          ) : (
            <table className="table diff-table">
              <thead>
                <tr>
                  <th scope="col">Property</th>
                  <th scope="col">v{comparing}</th>
                  <th scope="col">Draft</th>
                </tr>
              </thead>
              <tbody>
                {diff.changes.map((c, i) => (
                  <tr key={i}>
                    <th scope="row">
                      <code>{c.path}</code>
                    </th>
                    <td className="diff-before">{describeValue(c.before)}</td>
                    <td className="diff-after">{describeValue(c.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </section>
  );
}
