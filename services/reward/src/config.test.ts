import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "@rlhf-loop/kit";
import { loadRewardConfig, optionsFromConfig } from "./config.js";

const base = { DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", KAFKA_BROKERS: "127.0.0.1:9092" };

describe("reward config", () => {
  it("parses defaults and maps them to service options", () => {
    const o = optionsFromConfig(loadRewardConfig({ ...base, REWARD_BYO_MODEL_DIRS: "/a,/b", REWARD_MAX_EPOCHS: "3" }));
    assert.equal(o.grpcPort, 9093);
    assert.deepEqual(o.byoModelDirs, ["/a", "/b"]);
    assert.equal(o.trainer?.maxEpochs, 3);
    assert.equal(o.autoApprove, true);
  });

  it("names the variable at fault", () => {
    assert.throws(() => loadRewardConfig({ ...base, REWARD_GRPC_PORT: "99999" }), (e: unknown) => e instanceof ConfigError && /REWARD_GRPC_PORT/.test(e.message));
  });
});
