// Shapes of the host's JSON API (camelCase). Pure types: no React, no fetch.
// Optional fields are optional because definitions are authored by hand and may be incomplete drafts.

/** One row of `GET /api/v1/workflows`. */
export interface WorkflowSummary {
  id: string;
  name?: string | null;
  owner?: string | null;
  latestVersion?: number | null;
  publishedVersion?: number | null;
  retired?: boolean;
  updatedAt?: string | null;
}

/** `GET /api/v1/workflows/{id}`. */
export interface WorkflowDetail extends WorkflowSummary {
  ownerEmail?: string | null;
  createdAt?: string | null;
  definition?: WorkflowDefinition | null;
  versions?: WorkflowVersion[];
}

export interface WorkflowVersion {
  version: number;
  status: string;
  contentHash?: string | null;
  sourceName?: string | null;
  sourceFormat?: string | null;
  createdBy?: string | null;
  createdAt?: string | null;
  publishedAt?: string | null;
  /** Text, or problem objects (see formatWarning). */
  warnings?: unknown[] | null;
}

export interface PersonRef {
  name: string;
  email?: string | null;
  id?: string | null;
}

export interface OutcomeSpec {
  metric: string;
  description?: string | null;
  unit?: string | null;
  target?: number | null;
  direction?: string | null;
  measure?: string | null;
  attribution?: string | null;
}

export interface BoundarySpec {
  trigger?: string | null;
  allowedActions?: string[];
  forbiddenActions?: string[];
  draftOnlyActions?: string[];
}

export interface ProbeSpec {
  kind: string;
  [setting: string]: unknown;
}

export interface DataSourceSpec {
  id: string;
  description?: string | null;
  freshness?: string | null;
  probe?: ProbeSpec | null;
}

export interface AuditProtocolSpec {
  cron?: string | null;
  sampling?: { rate?: number | null; size?: number | null; stratifyBy?: string[] } | null;
  reviewerRole?: string | null;
  criteria?: { id: string; description: string }[];
  escalation?: { failureRateThreshold: number; minReviews?: number; action?: string } | null;
}

export interface RollbackSpec {
  procedure?: string | null;
  fallbackStage?: string | null;
}

export interface InputFieldSpec {
  type?: string;
  required?: boolean;
  description?: string | null;
  minimum?: number | null;
  maximum?: number | null;
  enum?: string[] | null;
}

export interface NodePosition {
  x: number;
  y: number;
}

export interface RetrySpec {
  attempts?: number;
  backoff?: string | null;
  timeout?: string | null;
}

/** One activity in the flowchart. `inputs` values are literals or expressions, typed by the activity descriptor. */
export interface NodeDefinition {
  id: string;
  type: string;
  name?: string | null;
  description?: string | null;
  inputs?: Record<string, unknown> | null;
  retry?: RetrySpec | null;
  output?: string | null;
  position?: NodePosition | null;
}

/** An edge from `nodeId.port` to a node id. */
export interface EdgeDefinition {
  from: string;
  to: string;
}

export interface FlowchartDefinition {
  start?: string | null;
  nodes?: NodeDefinition[];
  edges?: EdgeDefinition[];
}

export interface WorkflowDefinition {
  id: string;
  name?: string | null;
  description?: string | null;
  owner?: PersonRef | null;
  outcome?: OutcomeSpec | null;
  boundary?: BoundarySpec | null;
  dataSources?: DataSourceSpec[];
  auditProtocol?: AuditProtocolSpec | null;
  rollback?: RollbackSpec | null;
  agents?: string[];
  input?: { fields?: Record<string, InputFieldSpec> } | null;
  variables?: Record<string, string>;
  flowchart?: FlowchartDefinition | null;
}

/** One entry of `GET /api/v1/activities`. */
export interface ActivityDescriptor {
  type: string;
  displayName: string;
  description?: string;
  category?: string;
  inputs?: { name: string; kind: string; required: boolean; description?: string }[];
  ports: ActivityPort[];
  /** True when the node's own inputs decide its ports (e.g. a decision's branches). */
  dynamicPorts?: boolean;
  /** True for `end` / `fail`: no outgoing ports, not even `error`. */
  terminal?: boolean;
}

export interface ActivityPort {
  name: string;
  required: boolean;
  description?: string;
}

/** RFC 9457 problem details, as the host returns for errors. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}
