import {
  applyNodeChanges,
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeChange as FlowNodeChange,
  type NodeTypes,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { DefinitionDiff } from '../../model/designer/diff';
import type { LocatedProblem } from '../../model/designer/problems';
import type { Graph } from '../../model/graph';
import { nodeSize } from '../../model/layout';
import { portHandleId, TARGET_HANDLE_ID } from '../flow/ActivityNode';
import { DesignerNode, type DesignerFlowNode } from './DesignerNode';
import { ACTIVITY_DRAG_TYPE } from './Palette';

const nodeTypes: NodeTypes = { designer: DesignerNode };
const HANDLE_PREFIX = 'port:';
const FIT_VIEW_OPTIONS = { padding: 0.2, maxZoom: 1 };
const DELETE_KEYS = ['Delete'];

export interface CanvasProps {
  graph: Graph;
  /** Nodes of the compared version that the draft no longer has (drawn faded, in a diff). */
  removed?: Graph['nodes'];
  problems: LocatedProblem[];
  diff?: DefinitionDiff;
  selectedId?: string;
  readOnly: boolean;
  /** Changes when the whole flowchart was replaced (import, revert): the view is fitted to it again. */
  fitKey?: number;
  onSelect: (id: string | undefined) => void;
  onDrop: (type: string, position: { x: number; y: number }) => void;
  onConnect: (source: string, port: string, target: string) => void;
  onMove: (id: string, position: { x: number; y: number }) => void;
  onDeleteNode: (id: string) => void;
  onDeleteEdge: (from: string, to: string) => void;
}

function buildNodes(props: CanvasProps): DesignerFlowNode[] {
  const { graph, problems, diff, selectedId, readOnly, removed } = props;
  const nodes: DesignerFlowNode[] = graph.nodes.map((n) => {
    const own = problems.filter((p) => p.nodeId === n.id);
    const size = nodeSize(n);
    return {
      id: n.id,
      type: 'designer',
      position: n.position ?? { x: 0, y: 0 },
      data: { node: n, problems: own.length, errors: own.filter((p) => p.isError).length, diff: diff?.nodes.get(n.id), readOnly },
      selected: n.id === selectedId,
      initialWidth: size.width,
      initialHeight: size.height,
      draggable: !readOnly,
      ariaLabel: `${n.typeLabel} ${n.label}${n.label !== n.id ? ` (${n.id})` : ''}`,
    };
  });
  for (const n of removed ?? []) {
    nodes.push({
      id: `removed:${n.id}`,
      type: 'designer',
      position: n.position ?? { x: 0, y: 0 },
      data: { node: n, problems: 0, errors: 0, diff: 'removed', readOnly: true },
      draggable: false,
      selectable: false,
      connectable: false,
      ariaLabel: `Removed ${n.typeLabel} ${n.label}`,
    });
  }
  return nodes;
}

/**
 * The designer's canvas: drop node types from the palette, drag nodes, connect a port to a node by dragging from the
 * port's handle, select with a click or Tab + Enter, delete the selection with Delete. Every edit goes to the draft
 * through the callbacks; the canvas keeps only what is in flight (a node being dragged).
 */
export function DesignerCanvas(props: CanvasProps) {
  const { graph, diff, readOnly, onSelect, onDrop, onConnect, onMove, onDeleteNode, onDeleteEdge } = props;
  const flow = useReactFlow();
  const built = useMemo(() => buildNodes(props), [props.graph, props.problems, props.diff, props.selectedId, props.readOnly, props.removed]);
  const [nodes, setNodes] = useState(built);
  useEffect(() => setNodes(built), [built]);
  // A new workflow starts at zoom 1 at the origin, so a drop lands under the pointer; a loaded one is fitted.
  const [fitInitially] = useState(() => graph.nodes.length > 0);
  useEffect(() => {
    if (!props.fitKey) return;
    const t = window.setTimeout(() => void flow.fitView(FIT_VIEW_OPTIONS), 50);
    return () => window.clearTimeout(t);
  }, [props.fitKey, flow]);

  const edges: Edge[] = useMemo(
    () =>
      graph.edges.map((e) => {
        const key = `${e.sourcePort ? `${e.source}.${e.sourcePort}` : e.source} → ${e.target}`;
        const added = diff?.edgesAdded.includes(key);
        return {
          id: e.id,
          source: e.source,
          sourceHandle: portHandleId(e.sourcePort),
          target: e.target,
          targetHandle: TARGET_HANDLE_ID,
          className: [e.isError ? 'edge-error' : '', added ? 'edge-added' : ''].filter(Boolean).join(' ') || undefined,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          ariaLabel: `${e.source} ${e.sourcePort || 'next'} to ${e.target}`,
          data: { from: e.sourcePort ? `${e.source}.${e.sourcePort}` : e.source, to: e.target },
        };
      }),
    [graph.edges, diff],
  );

  // Selection is event-driven (a click, Enter on a focused node): React Flow's own 'select' changes name the node, and
  // the page decides. Echoing the store's selection back (onSelectionChange) would ping-pong with the page's state.
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const onMoveRef = useRef(onMove);
  onMoveRef.current = onMove;
  const onNodesChange = useCallback((changes: FlowNodeChange<DesignerFlowNode>[]) => {
    // Positions and measured sizes live here while dragging. An empty list must keep the same array: a new one
    // would go back to React Flow as a change.
    const kept = changes.filter((c) => c.type === 'position' || c.type === 'dimensions');
    if (kept.length > 0) setNodes((ns) => applyNodeChanges(kept, ns));
    // A finished move (the end of a drag, or arrow keys on a focused node) goes to the draft.
    for (const c of kept) if (c.type === 'position' && c.position && !c.dragging) onMoveRef.current(c.id, c.position);
    const picked = changes.find((c) => c.type === 'select' && c.selected && !c.id.startsWith('removed:'));
    if (picked && picked.type === 'select') onSelectRef.current(picked.id);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (readOnly) return;
    e.preventDefault(); // without this the browser refuses the drop
    e.dataTransfer.dropEffect = 'move';
  }, [readOnly]);

  const onDropHandler = useCallback(
    (e: DragEvent) => {
      if (readOnly) return;
      const type = e.dataTransfer.getData(ACTIVITY_DRAG_TYPE) || e.dataTransfer.getData('text/plain');
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      onDrop(type, { x: p.x - 104, y: p.y - 28 }); // centre the node's header under the pointer
    },
    [flow, onDrop, readOnly],
  );

  const onConnectHandler = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const port = (c.sourceHandle ?? '').startsWith(HANDLE_PREFIX) ? c.sourceHandle!.slice(HANDLE_PREFIX.length) : '';
      onConnect(c.source, port, c.target);
    },
    [onConnect],
  );

  return (
    <div className="flow-canvas designer-canvas" role="region" aria-label="Designer canvas" onDragOver={onDragOver} onDrop={onDropHandler}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={(_, node) => onMove(node.id, node.position)}
        nodeDragThreshold={2}
        onConnect={onConnectHandler}
        onNodesDelete={(ns) => ns.forEach((n) => !n.id.startsWith('removed:') && onDeleteNode(n.id))}
        onEdgesDelete={(es) => es.forEach((e) => e.data && onDeleteEdge(String(e.data.from), String(e.data.to)))}
        onPaneClick={() => onSelect(undefined)}
        fitView={fitInitially}
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.2}
        maxZoom={2}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        elementsSelectable
        nodesFocusable
        edgesFocusable
        connectionRadius={30}
        multiSelectionKeyCode={null}
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
      >
        <Background gap={20} size={1} />
        <MiniMap pannable zoomable ariaLabel="Flowchart overview" nodeBorderRadius={4} />
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
      {graph.nodes.length === 0 ? (
        <p className="designer-empty">Drag a node type from the palette here (or focus one and press Enter).</p>
      ) : null}
    </div>
  );
}
