/**
 * On the simulated product: a reward model trained on its comparisons (pairs) and its thumbs and
 * outcomes (pointwise) is checked against the hidden gold utility, next to the Bayes-optimal
 * accuracy for the same held-out pairs; each source's contribution is measured by leaving it out.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { simOracle, trainAndDiagnose } from "@rlhf-loop/reward";
import { simData } from "./sim-data.js";

describe("reward model on the simulated product", () => {
  it("reports gold accuracy next to Bayes-optimal, never beats Bayes-optimal beyond noise, and what each source adds", async () => {
    const { world, pairs, singles } = await simData(7, 4);
    assert.ok(pairs.length > 500 && singles.length > 1000, `${pairs.length} pairs, ${singles.length} singles`);
    const out = await trainAndDiagnose({ pairs, singles }, { trainer: { maxEpochs: 6 }, oracle: simOracle(world), ablation: true });
    const r = out.report;
    const sim = r.sim!;
    process.stderr.write(
      `# sim: held-out pairs ${r.heldOutPairs}, label accuracy ${sim.modelLabelAccuracy.toFixed(3)} [${r.accuracy.lo.toFixed(3)}, ${r.accuracy.hi.toFixed(3)}], ` +
        `Bayes-optimal ${sim.bayesOptimalAccuracy.toFixed(3)}, gold accuracy ${sim.modelGoldAccuracy.toFixed(3)}, length rule ${r.lengthRuleAccuracy.value.toFixed(3)}; ` +
        `contributions ${out.contributions.map((c) => `${c.source}:${(100 * c.delta).toFixed(1)}pt`).join(" ")}; single accuracy ${r.singleAccuracy?.value.toFixed(3)}\n`,
    );
    assert.ok(sim.bayesOptimalAccuracy > 0.5 && sim.bayesOptimalAccuracy <= 1);
    // The Bayes-optimal rate bounds any model's expected label accuracy; allow 3 standard errors.
    const se = Math.sqrt((sim.bayesOptimalAccuracy * (1 - sim.bayesOptimalAccuracy)) / r.heldOutPairs);
    assert.ok(sim.modelLabelAccuracy <= sim.bayesOptimalAccuracy + 3 * se + 1e-9, `${sim.modelLabelAccuracy} > ${sim.bayesOptimalAccuracy}`);
    assert.ok(sim.modelGoldAccuracy > 0.55, `gold accuracy ${sim.modelGoldAccuracy}`);
    assert.ok(out.contributions.some((c) => c.source === "pointwise"));
    assert.ok(Object.keys(r.bySegment).length >= 2 && Object.keys(r.byIntent).length >= 3);
  });
});
