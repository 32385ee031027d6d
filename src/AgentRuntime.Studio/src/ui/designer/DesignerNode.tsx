import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { NodeChange } from '../../model/designer/diff';
import type { GraphNode } from '../../model/graph';
import { portHandleId, TARGET_HANDLE_ID } from '../flow/ActivityNode';

export type DesignerNodeData = {
  node: GraphNode;
  problems: number;
  errors: number;
  diff?: NodeChange;
  readOnly: boolean;
};
export type DesignerFlowNode = Node<DesignerNodeData, 'designer'>;

/**
 * A flowchart node in the designer: like the read-only canvas's node (same sizes and styles), but its ports are
 * connectable handles, it shows how many problems it has, and in a version diff it says whether it was added, changed
 * or removed (in words, not only in colour).
 */
function DesignerNodeView({ data, selected }: NodeProps<DesignerFlowNode>) {
  const n = data.node;
  const classes = [
    'activity-node',
    'designer-node',
    `activity-${n.category ?? 'flow'}`,
    `activity-type-${n.type}`,
    n.isStart ? 'is-start' : '',
    n.terminal ? 'is-terminal' : '',
    n.known ? '' : 'is-unknown',
    selected ? 'is-selected' : '',
    data.errors > 0 ? 'has-errors' : '',
    data.diff && data.diff !== 'same' ? `diff-${data.diff}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes} title={n.description} data-node-id={n.id}>
      <Handle type="target" id={TARGET_HANDLE_ID} position={Position.Left} isConnectable={!data.readOnly} className="handle-in" />
      <div className="activity-header">
        <div className="activity-type">
          <span className="activity-type-name">{n.typeLabel}</span>
          {n.isStart ? <span className="activity-flag">start</span> : null}
          {data.diff && data.diff !== 'same' ? <span className={`activity-flag diff-flag diff-flag-${data.diff}`}>{data.diff}</span> : null}
          {data.errors > 0 ? (
            <span className="activity-flag activity-flag-warn" title={`${data.errors} error(s)`}>
              {data.errors} error{data.errors === 1 ? '' : 's'}
            </span>
          ) : null}
        </div>
        <div className="activity-label">{n.label}</div>
        {n.label !== n.id ? <div className="activity-id">{n.id}</div> : null}
      </div>
      {n.ports.length > 0 ? (
        <ul className="activity-ports" aria-label="Outcome ports">
          {n.ports.map((p) => (
            <li key={p.name} className={`port port-${p.origin}`} title={p.description}>
              <span className="port-label">
                {p.name === '' ? 'next' : p.name}
                {p.required ? <span className="port-required" aria-label="required"> •</span> : null}
              </span>
              <Handle
                type="source"
                id={portHandleId(p.name)}
                position={Position.Right}
                isConnectable={!data.readOnly}
                className={`handle-out handle-${p.origin}`}
                aria-label={`${n.id} port ${p.name}`}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export const DesignerNode = memo(DesignerNodeView);
