// Who may call the RL trainer, and for which tenant. Every method but health, readiness and
// metrics needs a key (README: routes and roles). Runs and checkpoints belong to the run's tenant;
// another tenant's run, policy version or reward model is answered exactly as an unknown one.
import { AppError, CALL_ROLES, OwnerCache, READ_ROLES, WRITE_ROLES, assertTenant, canAccess, type Caller, type CallerAuth, type KeyRole, type ServiceImpl } from "@rlhf-loop/kit";
import type { Policy } from "@rlhf-loop/proto";
import type { RlStore } from "../store/store.js";

type AccessStore = Pick<RlStore, "policyTenant" | "getRun" | "rewardModel">;

export class PolicyAccess {
  /** policy version -> tenant; a checkpoint's run never changes. */
  private readonly tenants: OwnerCache;

  constructor(
    readonly auth: CallerAuth,
    private readonly store: AccessStore,
  ) {
    this.tenants = new OwnerCache((version) => store.policyTenant(version));
  }

  caller(header: string | undefined, roles: readonly KeyRole[]): Promise<Caller> {
    return this.auth.require(header, roles);
  }

  /** Throws NOT_FOUND (as for an unknown version) unless `caller` may use policy `version`. */
  async checkPolicy(caller: Caller, version: string): Promise<void> {
    const tenant = await this.tenants.get(version);
    if (tenant === undefined || !canAccess(caller, tenant)) throw new AppError("not_found", `policy version ${version} not found`);
  }

  /** Throws NOT_FOUND (as for an unknown run) unless `caller` may read run `runId`. */
  async checkRun(caller: Caller, runId: string): Promise<void> {
    const row = runId ? await this.store.getRun(runId) : undefined;
    if (row && !canAccess(caller, row.tenantId)) throw new AppError("not_found", `run ${runId} not found`);
  }

  /**
   * A Generate / GenerateBatch request as this caller may make it: the tenant named must be the
   * key's, the version asked for one of its tenant's checkpoints; a tenant key naming neither gets
   * its own tenant's served policy (a `*` key: the newest final checkpoint, as before).
   */
  async generation<R extends { readonly policyVersion: string; readonly tenantId: string }>(header: string | undefined, req: R): Promise<R> {
    const caller = await this.caller(header, CALL_ROLES);
    if (req.tenantId) assertTenant(caller, req.tenantId);
    if (req.policyVersion) await this.checkPolicy(caller, req.policyVersion);
    else if (!req.tenantId && caller.tenantId !== "*") return { ...req, tenantId: caller.tenantId };
    return req;
  }

  /** StartRun: an operator of the run's tenant, with a run id and reward model not of another tenant. */
  async startRun(header: string | undefined, run: { readonly runId: string; readonly tenantId: string; readonly rewardModelId: string } | undefined): Promise<void> {
    const caller = await this.caller(header, WRITE_ROLES);
    // A missing run or tenant is the handler's invalid_argument, after the key was checked.
    if (!run?.tenantId) return;
    assertTenant(caller, run.tenantId);
    const existing = run.runId ? await this.store.getRun(run.runId) : undefined;
    if (existing && existing.tenantId !== run.tenantId) throw new AppError("already_exists", `run id ${run.runId} is already used; choose another`);
    const rm = run.rewardModelId ? await this.store.rewardModel(run.rewardModelId) : undefined;
    // Answered as the handler answers a reward model it has never seen announced.
    if (rm && rm.tenantId && rm.tenantId !== run.tenantId) throw new AppError("failed_precondition", `reward model ${run.rewardModelId} has not been announced on rlhf.reward-models.v1`);
  }
}

/** The Policy gRPC methods behind the key check (roles: README). */
export function guardPolicyImpl(impl: ServiceImpl<typeof Policy>, access: PolicyAccess): ServiceImpl<typeof Policy> {
  return {
    async generate(req, ctx) {
      return impl.generate(await access.generation(ctx.header("authorization"), req), ctx);
    },
    async generateBatch(req, ctx) {
      return impl.generateBatch(await access.generation(ctx.header("authorization"), req), ctx);
    },
    async startRun(req, ctx) {
      await access.startRun(ctx.header("authorization"), req.run);
      return impl.startRun(req, ctx);
    },
    async getRun(req, ctx) {
      const caller = await access.caller(ctx.header("authorization"), READ_ROLES);
      await access.checkRun(caller, req.runId);
      return impl.getRun(req, ctx);
    },
  };
}
