import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { GraphNode } from '../../model/graph';
import type { PortInfo } from '../../model/ports';

export type ActivityNodeData = { node: GraphNode };
export type ActivityFlowNode = Node<ActivityNodeData, 'activity'>;

/** Handle ids are prefixed so an empty port name ("a" instead of "a.done") still has an id. */
export const portHandleId = (port: string) => `port:${port}`;
export const TARGET_HANDLE_ID = 'in';

function portLabel(p: PortInfo) {
  return p.name === '' ? 'next' : p.name;
}

/** One flowchart activity: its type, name and id, and one labelled source handle per outcome port. */
function ActivityNodeView({ data, selected }: NodeProps<ActivityFlowNode>) {
  const n = data.node;
  const classes = [
    'activity-node',
    `activity-${n.category ?? 'flow'}`,
    `activity-type-${n.type}`,
    n.isStart ? 'is-start' : '',
    n.terminal ? 'is-terminal' : '',
    n.known ? '' : 'is-unknown',
    selected ? 'is-selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes} title={n.description}>
      <Handle type="target" id={TARGET_HANDLE_ID} position={Position.Left} isConnectable={false} className="handle-in" />
      <div className="activity-header">
        <div className="activity-type">
          <span className="activity-type-name">{n.typeLabel}</span>
          {n.isStart ? <span className="activity-flag">start</span> : null}
          {!n.known ? <span className="activity-flag activity-flag-warn">unknown type</span> : null}
        </div>
        <div className="activity-label">{n.label}</div>
        {n.label !== n.id ? <div className="activity-id">{n.id}</div> : null}
      </div>
      {n.ports.length > 0 ? (
        <ul className="activity-ports" aria-label="Outcome ports">
          {n.ports.map((p) => (
            <li key={p.name} className={`port port-${p.origin}`} title={p.description}>
              <span className="port-label">
                {portLabel(p)}
                {p.required ? <span className="port-required" aria-label="required"> •</span> : null}
              </span>
              <Handle
                type="source"
                id={portHandleId(p.name)}
                position={Position.Right}
                isConnectable={false}
                className={`handle-out handle-${p.origin}`}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export const ActivityNode = memo(ActivityNodeView);
