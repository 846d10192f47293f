// The five services as the demo scenario sees them: HTTP and gRPC addresses, keys, and a bus to
// publish run requests, watch announcements and read consumer lag. Embedded and cluster mode both
// produce one; the scenario never knows which it has.
import type { Bus, Pool } from "@rlhf-loop/kit";

export interface LoopStack {
  readonly mode: "embedded" | "cluster";
  readonly tenantId: string;
  readonly ingestUrl: string;
  readonly apiKey: string;
  readonly labelingUrl: string;
  readonly labelingLeadKey: string;
  readonly labelingSchema: string;
  readonly rewardGrpc: string;
  readonly rlUrl: string;
  readonly rlGrpc: string;
  /** An operator key of the tenant for the RL trainer (GET /v1/runs, GenerateBatch of the served policy). */
  readonly policyKey: string;
  readonly canaryUrl: string;
  /** An operator key of the tenant for the canary (sets, tracking, reports, the watch). */
  readonly canaryKey: string;
  readonly databaseUrl: string;
  readonly pool: Pool;
  readonly bus: Bus;
  /** The topic names this stack's services use (per-run names in cluster mode). */
  readonly topics: { readonly rewardModels: string; readonly rlRuns: string; readonly canaryReports: string };
  /** Consumer groups and topics whose lag must reach 0 before a step reads what they built. */
  readonly consumers: readonly { readonly groupId: string; readonly topics: readonly string[] }[];
  stop(): Promise<void>;
}
