// Who may call the reward service, and with which model. Every method but health, readiness and
// metrics needs a key (README: routes and roles). A model belongs to the tenant it was trained for;
// another tenant's model is "unknown", exactly as one that does not exist. A model with no tenant
// (brought with REWARD_BYO_MODEL_DIRS and no REWARD_TENANT_ID) is shared by every key of the install.
import { AppError, CALL_ROLES, OwnerCache, READ_ROLES, canAccess, type Caller, type CallerAuth, type KeyRole, type ServiceImpl } from "@rlhf-loop/kit";
import type { Reward } from "@rlhf-loop/proto";
import type { RegistryStore } from "../store/registry-store.js";

export class RewardAccess {
  /** model id -> tenant; a model's tenant never changes. */
  private readonly tenants: OwnerCache;

  constructor(
    readonly auth: CallerAuth,
    registry: Pick<RegistryStore, "tenantOf">,
    /** The serving model's tenant (REWARD_TENANT_ID): an empty model id means its served model. */
    private readonly servedTenant: string,
  ) {
    this.tenants = new OwnerCache((modelId) => registry.tenantOf(modelId));
  }

  caller(header: string | undefined, roles: readonly KeyRole[]): Promise<Caller> {
    return this.auth.require(header, roles);
  }

  /** Throws unless `caller` may use `modelId` ("" = the served model). */
  async checkModel(caller: Caller, modelId: string): Promise<void> {
    if (!modelId) {
      if (this.servedTenant && !canAccess(caller, this.servedTenant)) {
        throw new AppError("permission_denied", "this key may not use the served reward model; pass the model_id of a model of its tenant");
      }
      return;
    }
    const tenant = await this.tenants.get(modelId);
    if (tenant === undefined || (tenant !== "" && !canAccess(caller, tenant))) throw new AppError("not_found", `unknown reward model ${modelId}`);
  }

  async model(header: string | undefined, roles: readonly KeyRole[], modelId: string): Promise<Caller> {
    const caller = await this.caller(header, roles);
    await this.checkModel(caller, modelId);
    return caller;
  }
}

/** The Reward gRPC methods behind the key check: scoring needs role service (or operator), GetModel any role. */
export function guardRewardImpl(impl: ServiceImpl<typeof Reward>, access: RewardAccess): ServiceImpl<typeof Reward> {
  return {
    async score(req, ctx) {
      await access.model(ctx.header("authorization"), CALL_ROLES, req.modelId);
      return impl.score(req, ctx);
    },
    async scoreBatch(req, ctx) {
      await access.model(ctx.header("authorization"), CALL_ROLES, req.modelId);
      return impl.scoreBatch(req, ctx);
    },
    async compare(req, ctx) {
      await access.model(ctx.header("authorization"), CALL_ROLES, req.modelId);
      return impl.compare(req, ctx);
    },
    async getModel(req, ctx) {
      await access.model(ctx.header("authorization"), READ_ROLES, req.modelId);
      return impl.getModel(req, ctx);
    },
  };
}
