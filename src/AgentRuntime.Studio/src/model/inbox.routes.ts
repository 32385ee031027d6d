// Routes of the work surfaces (inbox, reviews, agents board), kept here so routes.ts only gains four lines:
// #/inbox[/<taskId>], #/reviews[/<taskId>], #/agents[/<agentId>]. Pure functions.

export type WorkRoute =
  | { name: 'inbox' }
  | { name: 'task'; id: string }
  | { name: 'reviews' }
  | { name: 'review'; id: string }
  | { name: 'agents' }
  | { name: 'agent'; id: string };

const LISTS = { inbox: 'task', reviews: 'review', agents: 'agent' } as const;
const PREFIX = { task: 'inbox', review: 'reviews', agent: 'agents' } as const;
const NAMES = new Set<string>(['inbox', 'task', 'reviews', 'review', 'agents', 'agent']);

/** A work-surface route, or null when the hash is something else (including an undecodable id: "not found"). */
export function parseWorkRoute(hash: string): WorkRoute | null {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  const list = parts[0] as keyof typeof LISTS | undefined;
  if (!list || !Object.hasOwn(LISTS, list) || parts.length > 2) return null;
  if (parts.length === 1) return { name: list };
  try {
    const id = decodeURIComponent(parts[1]!);
    return id ? { name: LISTS[list], id } : null;
  } catch {
    return null;
  }
}

export function isWorkRoute(route: { name: string }): route is WorkRoute {
  return NAMES.has(route.name);
}

export function workHref(route: WorkRoute): string {
  return 'id' in route ? `#/${PREFIX[route.name]}/${encodeURIComponent(route.id)}` : `#/${route.name}`;
}
