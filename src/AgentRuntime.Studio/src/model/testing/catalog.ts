import type { ActivityDescriptor, WorkflowDefinition } from '../types';

// Test data shaped like `GET /api/v1/activities` for the host's built-in activities (ports only).
const port = (name: string, required = false) => ({ name, required });
const d = (type: string, ports: ReturnType<typeof port>[], extra: Partial<ActivityDescriptor> = {}): ActivityDescriptor => ({
  type,
  displayName: type[0]!.toUpperCase() + type.slice(1),
  category: 'flow',
  inputs: [],
  ports,
  dynamicPorts: false,
  terminal: ports.length === 0 && !extra.dynamicPorts,
  ...extra,
});

export const builtInActivities: ActivityDescriptor[] = [
  d('agent', [port('done', true), port('low-confidence'), port('invalid-output'), port('failed')], { category: 'agents' }),
  d('approval', [port('approved', true), port('rejected', true), port('changes-requested'), port('timed-out')], { category: 'humans' }),
  d('decision', [port('else')], { dynamicPorts: true }),
  d('action', [port('done', true)], { category: 'actions' }),
  d('validate', [port('valid', true), port('invalid')]),
  d('wait', [port('done', true), port('timed-out')]),
  d('parallel', [port('branches', true)]),
  d('join', [port('done', true)]),
  d('notify', [port('done', true)]),
  d('end', []),
  d('fail', []),
];

/** A small refund workflow: agent drafts, a decision routes by amount, a human approves large refunds. */
export function refundDefinition(): WorkflowDefinition {
  return {
    id: 'refunds',
    name: 'Refund requests',
    flowchart: {
      start: 'triage',
      nodes: [
        { id: 'triage', type: 'agent', name: 'Triage request', inputs: { agent: 'refund-triage' } },
        {
          id: 'route',
          type: 'decision',
          inputs: {
            branches: [
              { port: 'small', when: 'input.amount < 50' },
              { port: 'large', when: 'input.amount >= 50' },
            ],
          },
        },
        { id: 'approve', type: 'approval', name: 'Approve refund', inputs: { title: 'Refund' } },
        { id: 'pay', type: 'action', name: 'Pay refund', inputs: { action: 'refund.pay', connector: 'http' } },
        { id: 'done', type: 'end' },
        { id: 'rejected', type: 'fail', inputs: { reason: 'Rejected' } },
      ],
      edges: [
        { from: 'triage.done', to: 'route' },
        { from: 'triage.low-confidence', to: 'approve' },
        { from: 'route.small', to: 'pay' },
        { from: 'route.large', to: 'approve' },
        { from: 'route.else', to: 'approve' },
        { from: 'approve.approved', to: 'pay' },
        { from: 'approve.rejected', to: 'rejected' },
        { from: 'approve.changes-requested', to: 'triage' },
        { from: 'pay.done', to: 'done' },
        { from: 'pay.error', to: 'rejected' },
      ],
    },
  };
}
