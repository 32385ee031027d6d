import type { ActivityDescriptor } from '../../model/types';

/** The MIME type a palette item carries while dragged onto the canvas. */
export const ACTIVITY_DRAG_TYPE = 'application/x-agentruntime-activity';

const CATEGORY_LABELS: Record<string, string> = { flow: 'Flow', agents: 'Agents', humans: 'People', actions: 'Actions' };

/**
 * Every node type the server's activity catalog offers, grouped by category: a type registered on the server appears
 * here with no front-end work. Drag an item onto the canvas, or focus it and press Enter to add it beside the others.
 */
export function Palette({ activities, onAdd, disabled }: { activities: ActivityDescriptor[]; onAdd: (type: string) => void; disabled: boolean }) {
  const groups = new Map<string, ActivityDescriptor[]>();
  for (const a of activities) {
    const c = a.category ?? 'flow';
    groups.set(c, [...(groups.get(c) ?? []), a]);
  }
  return (
    <nav className="designer-palette" aria-label="Node types">
      <h2 className="panel-title">Node types</h2>
      <p className="palette-help">Drag onto the canvas, or press Enter to add.</p>
      {[...groups].map(([category, items]) => (
        <section key={category} aria-label={CATEGORY_LABELS[category] ?? category}>
          <h3 className="palette-group">{CATEGORY_LABELS[category] ?? category}</h3>
          <ul className="palette-list">
            {items.map((a) => (
              <li key={a.type}>
                <button
                  type="button"
                  className={`palette-item activity-${a.category ?? 'flow'}`}
                  draggable={!disabled}
                  disabled={disabled}
                  data-activity-type={a.type}
                  aria-label={`Add ${a.displayName} to canvas`}
                  title={a.description}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(ACTIVITY_DRAG_TYPE, a.type);
                    e.dataTransfer.setData('text/plain', a.type);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => onAdd(a.type)}
                >
                  <span className="palette-name">{a.displayName}</span>
                  <span className="palette-type">{a.type}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
