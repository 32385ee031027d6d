import type { GraphNode } from '../../model/graph';

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

/** The selected activity's definition: inputs, retry policy, output variable and ports. */
export function NodeDetails({ node, onClose }: { node: GraphNode; onClose: () => void }) {
  const d = node.definition;
  const inputs = Object.entries(d.inputs ?? {});
  return (
    <section className="panel node-details" aria-labelledby="node-heading">
      <div className="panel-heading">
        <h2 id="node-heading">
          {node.typeLabel}: {node.label}
        </h2>
        <button type="button" className="button button-quiet" onClick={onClose} aria-label="Close node details">
          Close
        </button>
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{node.id}</code>
        </dd>
        {node.description ? (
          <>
            <dt>About</dt>
            <dd>{node.description}</dd>
          </>
        ) : null}
        {d.retry ? (
          <>
            <dt>Retry</dt>
            <dd>
              {d.retry.attempts ?? 1} attempts
              {d.retry.backoff ? `, backoff ${d.retry.backoff}` : ''}
              {d.retry.timeout ? `, timeout ${d.retry.timeout}` : ''}
            </dd>
          </>
        ) : null}
        {d.output ? (
          <>
            <dt>Output</dt>
            <dd>
              <code>{d.output}</code>
            </dd>
          </>
        ) : null}
        <dt>Ports</dt>
        <dd>{node.ports.length ? node.ports.map((p) => p.name || 'next').join(', ') : 'none (ends the path)'}</dd>
      </dl>
      <h3>Inputs</h3>
      {inputs.length === 0 ? (
        <p className="missing">No inputs.</p>
      ) : (
        <dl className="facts">
          {inputs.map(([k, v]) => (
            <div key={k} className="fact-row">
              <dt>{k}</dt>
              <dd>
                <pre className="value">{valueText(v)}</pre>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
