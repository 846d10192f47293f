// The simulated product's hidden truth as a GoldOracle: gold utility of any answer, and the best
// accuracy any model can reach on the same pairs (experts judge expert pairs, end users the rest).
import type { World } from "@rlhf-loop/sim";
import type { TrainPair } from "../domain/examples.js";
import type { GoldOracle } from "./diagnostics.js";

export function simOracle(world: World): GoldOracle {
  return {
    gold: (prompt, answer) => world.gold(prompt, answer),
    bayesOptimal(pairs: readonly TrainPair[]): number {
      const spec = (p: TrainPair) => ({ prompt: p.prompt, a: p.chosen, b: p.rejected, ...(p.segment ? { segment: p.segment } : {}) });
      const experts = pairs.filter((p) => p.source === "expert");
      const users = pairs.filter((p) => p.source !== "expert");
      let total = 0;
      if (experts.length) total += world.bayesOptimalAccuracy(experts.map(spec), "expert").accuracy * experts.length;
      if (users.length) total += world.bayesOptimalAccuracy(users.map(spec), "end_user").accuracy * users.length;
      return pairs.length ? total / pairs.length : Number.NaN;
    },
  };
}
