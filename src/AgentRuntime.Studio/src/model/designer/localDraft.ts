// The designer keeps its draft in the browser's storage as the person edits, so a failed save, a closed tab or a
// lost connection loses nothing: reopening the designer offers the kept draft back. Framework-free.
import type { SessionStorage } from '../session';
import type { WorkflowDefinition } from '../types';

export interface KeptDraft {
  definition: WorkflowDefinition;
  /** The server version the draft started from (undefined for a new workflow). */
  baseVersion?: number;
  savedAt: string;
}

const key = (workflowId: string) => `agentruntime.designer.draft:${workflowId}`;

/** The storage key of a new workflow's draft (it has no id on the server yet). */
export const NEW_WORKFLOW_KEY = '(new)';

export function loadDraft(storage: SessionStorage | undefined, workflowId: string): KeptDraft | null {
  const raw = storage?.getItem(key(workflowId));
  if (!raw) return null;
  try {
    const d = JSON.parse(raw) as Partial<KeptDraft>;
    if (d.definition && typeof d.definition === 'object' && typeof (d.definition as WorkflowDefinition).id === 'string')
      return { definition: d.definition, baseVersion: typeof d.baseVersion === 'number' ? d.baseVersion : undefined, savedAt: String(d.savedAt ?? '') };
  } catch {
    // a damaged entry is no draft
  }
  return null;
}

export function keepDraft(storage: SessionStorage | undefined, workflowId: string, draft: KeptDraft): void {
  try {
    storage?.setItem(key(workflowId), JSON.stringify(draft));
  } catch {
    // storage full or disabled: the draft still lives in the page
  }
}

export function dropDraft(storage: SessionStorage | undefined, workflowId: string): void {
  storage?.removeItem(key(workflowId));
}
