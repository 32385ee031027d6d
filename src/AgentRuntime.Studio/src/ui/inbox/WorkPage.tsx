import type { WorkRoute } from '../../model/inbox.routes';
import { AgentPage, AgentsBoard } from '../agents/AgentsBoard';
import { ReviewPage, ReviewsPage } from '../reviews/ReviewsPage';
import { InboxPage } from './InboxPage';
import { TaskPage } from './TaskPage';

/** The page of a work-surface route (App.tsx delegates all of them here). Pages with an id remount when it changes. */
export function WorkPage({ route }: { route: WorkRoute }) {
  switch (route.name) {
    case 'inbox':
      return <InboxPage />;
    case 'task':
      return <TaskPage key={route.id} id={route.id} />;
    case 'reviews':
      return <ReviewsPage />;
    case 'review':
      return <ReviewPage key={route.id} id={route.id} />;
    case 'agents':
      return <AgentsBoard />;
    case 'agent':
      return <AgentPage key={route.id} id={route.id} />;
  }
}
