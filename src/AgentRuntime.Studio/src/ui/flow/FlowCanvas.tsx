import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useNodesState,
  type Edge,
  type EdgeTypes,
  type NodeTypes,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo } from 'react';
import type { Graph } from '../../model/graph';
import { layoutGraph, loopLaneY, nodeSize, runsBackwards, type Box } from '../../model/layout';
import { ActivityNode, portHandleId, TARGET_HANDLE_ID, type ActivityFlowNode } from './ActivityNode';
import { LoopEdge } from './LoopEdge';

const nodeTypes: NodeTypes = { activity: ActivityNode };
const edgeTypes: EdgeTypes = { loop: LoopEdge };

const categoryColors: Record<string, string> = { agents: '#b9a8ee', humans: '#e8c88f', actions: '#a9bff0' };
const miniMapColor = (n: ActivityFlowNode) =>
  n.data.node.type === 'fail' ? '#f0b4ae' : (categoryColors[n.data.node.category ?? ''] ?? '#c7ced8');

/** Maps the model's graph (laid out) to React Flow's nodes and edges. */
export function toFlow(graph: Graph): { nodes: ActivityFlowNode[]; edges: Edge[] } {
  const positions = layoutGraph(graph);
  const nodes: ActivityFlowNode[] = graph.nodes.map((n) => {
    const size = nodeSize(n);
    return {
      id: n.id,
      type: 'activity',
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      data: { node: n },
      // Lets React Flow fit the view and draw the minimap before the DOM is measured.
      initialWidth: size.width,
      initialHeight: size.height,
      ariaLabel: `${n.typeLabel} ${n.label}${n.label !== n.id ? ` (${n.id})` : ''}`,
    };
  });
  const boxes = new Map<string, Box>(
    graph.nodes.map((n) => [n.id, { ...(positions.get(n.id) ?? { x: 0, y: 0 }), ...nodeSize(n) }]),
  );
  let loops = 0;
  const edges: Edge[] = graph.edges.map((e) => {
    const source = boxes.get(e.source)!;
    const target = boxes.get(e.target)!;
    const backwards = runsBackwards(source, target);
    return {
      id: e.id,
      source: e.source,
      sourceHandle: portHandleId(e.sourcePort),
      target: e.target,
      targetHandle: TARGET_HANDLE_ID,
      type: backwards ? 'loop' : 'default',
      data: backwards ? { laneY: loopLaneY(source, target, boxes.values(), loops++) } : undefined,
      className: [e.isError ? 'edge-error' : '', backwards ? 'edge-loop' : ''].filter(Boolean).join(' ') || undefined,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      ariaLabel: `${e.source} ${e.sourcePort || 'next'} to ${e.target}`,
    };
  });
  return { nodes, edges };
}

/**
 * Nodes and edges to emphasise (e.g. an instance's executed path). Optional: without it the canvas draws as before.
 * `current` marks where a path stands now, `failed` where something went wrong; both also read out in the node's label.
 */
export interface FlowHighlight {
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
  current?: ReadonlySet<string>;
  failed?: ReadonlySet<string>;
}

/** Adds the highlight's classes and spoken state to the drawn nodes and edges; untouched when there is none. */
export function applyHighlight(flow: { nodes: ActivityFlowNode[]; edges: Edge[] }, highlight?: FlowHighlight) {
  if (!highlight) return flow;
  const nodes = flow.nodes.map((n) => {
    const executed = highlight.nodes.has(n.id);
    const current = highlight.current?.has(n.id) ?? false;
    const failed = highlight.failed?.has(n.id) ?? false;
    const classes = [executed ? 'is-executed' : 'is-not-executed', current ? 'is-current' : '', failed ? 'is-failed' : ''].filter(Boolean).join(' ');
    const state = [executed ? 'executed' : 'not executed', current ? 'current' : '', failed ? 'failed' : ''].filter(Boolean).join(', ');
    return { ...n, className: classes, ariaLabel: `${n.ariaLabel ?? n.id}, ${state}` };
  });
  const edges = flow.edges.map((e) =>
    highlight.edges.has(e.id)
      ? { ...e, className: [e.className, 'edge-executed'].filter(Boolean).join(' '), zIndex: 1, ariaLabel: `${e.ariaLabel ?? e.id}, taken` }
      : { ...e, className: [e.className, 'edge-not-executed'].filter(Boolean).join(' ') },
  );
  return { nodes, edges };
}

export function FlowCanvas({
  graph,
  selectedId,
  onSelect,
  label,
  highlight,
}: {
  graph: Graph;
  selectedId?: string;
  onSelect: (id: string | undefined) => void;
  label: string;
  /** Optional emphasis (the ops console's executed path); pass a memoised object. */
  highlight?: FlowHighlight;
}) {
  const flow = useMemo(() => applyHighlight(toFlow(graph), highlight), [graph, highlight]);
  // React Flow owns selection and measured sizes; the graph itself is read-only.
  const [nodes, setNodes, onNodesChange] = useNodesState(flow.nodes);
  useEffect(() => setNodes(flow.nodes), [flow, setNodes]);
  // Selection can also be cleared from outside (the details panel's Close button).
  useEffect(() => {
    setNodes((ns) =>
      ns.some((n) => !!n.selected !== (n.id === selectedId))
        ? ns.map((n) => ({ ...n, selected: n.id === selectedId }))
        : ns,
    );
  }, [selectedId, setNodes]);
  const onSelectionChange = useCallback(
    ({ nodes: selected }: OnSelectionChangeParams) => onSelect(selected[0]?.id),
    [onSelect],
  );
  return (
    <div className="flow-canvas" role="region" aria-label={label}>
      <ReactFlow
        nodes={nodes}
        edges={flow.edges}
        onNodesChange={onNodesChange}
        onSelectionChange={onSelectionChange}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        fitView
        fitViewOptions={{ padding: 0.12, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesReconnectable={false}
        elementsSelectable
        nodesFocusable
        edgesFocusable={false}
        multiSelectionKeyCode={null}
        selectionKeyCode={null}
        deleteKeyCode={null}
      >
        <Background gap={20} size={1} />
        <MiniMap pannable zoomable ariaLabel="Flowchart overview" nodeColor={miniMapColor} nodeBorderRadius={4} />
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
    </div>
  );
}
