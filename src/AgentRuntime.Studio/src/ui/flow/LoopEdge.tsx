import { BaseEdge, type Edge, type EdgeProps } from '@xyflow/react';

export type LoopEdgeData = { laneY: number };
export type LoopFlowEdge = Edge<LoopEdgeData, 'loop'>;

const R = 8; // corner radius
const OUT = 18; // how far the loop leaves the source and enters the target horizontally

/**
 * An edge that runs backwards (a retry, a "changes requested" loop, an error route to an earlier node):
 * out of the source port to the right, down to a lane below the nodes it spans, left, and up into the target.
 */
export function LoopEdge({ sourceX, sourceY, targetX, targetY, data, markerEnd, style, interactionWidth }: EdgeProps<LoopFlowEdge>) {
  const lane = data?.laneY ?? Math.max(sourceY, targetY) + 40;
  const x1 = sourceX + OUT;
  const x2 = targetX - OUT;
  const path = [
    `M ${sourceX} ${sourceY}`,
    `L ${x1 - R} ${sourceY}`,
    `Q ${x1} ${sourceY} ${x1} ${sourceY + R}`,
    `L ${x1} ${lane - R}`,
    `Q ${x1} ${lane} ${x1 - R} ${lane}`,
    `L ${x2 + R} ${lane}`,
    `Q ${x2} ${lane} ${x2} ${lane - R}`,
    `L ${x2} ${targetY + R}`,
    `Q ${x2} ${targetY} ${x2 + R} ${targetY}`,
    `L ${targetX} ${targetY}`,
  ].join(' ');
  return <BaseEdge path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth} />;
}
