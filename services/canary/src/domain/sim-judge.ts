// The simulated product as judge: gold utility, expected outcomes and rubric criteria of any answer.
import { CRITERIA, escalationProbability, explainGold, grantsMoney, reopenProbability, rubricTerms, type WorldConfig } from "@rlhf-loop/sim";
import { shapeOf, type CanaryJudge } from "./judge.js";

export function simJudge(config: WorldConfig): CanaryJudge {
  const policy = config.policy;
  return {
    shape: shapeOf,
    oracle(prompt, answer) {
      const g = explainGold(prompt, answer, policy);
      const rubric: Record<string, number> = {};
      const terms = rubricTerms("rubric-v2", g.intent, g.traits);
      for (const [criterion, names] of Object.entries(CRITERIA)) {
        rubric[criterion] = terms.filter((t) => names.includes(t.term)).reduce((s, t) => s + t.value, 0);
      }
      return {
        gold: g.gold,
        outcomes: {
          escalation: escalationProbability(config, g.intent, g.gold),
          reopen: reopenProbability(config, g.intent, g.gold),
          refund: grantsMoney(g.intent, g.traits) ? 1 : 0,
        },
        rubric,
      };
    },
  };
}
