import type { Route } from '../../model/routes';
import { hrefFor } from '../../model/routes';

/** The header's links to the work surfaces (list items of the main nav); the current one is marked for assistive tech. */
export function WorkNavItems({ route }: { route: Route }) {
  const items = [
    { label: 'Inbox', href: hrefFor({ name: 'inbox' }), current: route.name === 'inbox' || route.name === 'task' },
    { label: 'Reviews', href: hrefFor({ name: 'reviews' }), current: route.name === 'reviews' || route.name === 'review' },
    { label: 'Agents', href: hrefFor({ name: 'agents' }), current: route.name === 'agents' || route.name === 'agent' },
  ];
  return (
    <>
      {items.map((i) => (
        <li key={i.label}>
          <a href={i.href} aria-current={i.current ? 'page' : undefined}>
            {i.label}
          </a>
        </li>
      ))}
    </>
  );
}
