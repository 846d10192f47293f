import { RuleTester } from "eslint";
import { test } from "node:test";
import path from "node:path";
import plugin from "./import-boundaries.mjs";

const rule = plugin.rules["import-boundaries"];
const root = path.resolve(import.meta.dirname, "../..");
const at = (file) => path.join(root, file);

test("import boundaries follow DESIGN.md", () => {
  const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: "module" } });
  tester.run("import-boundaries", rule, {
    valid: [
      { code: 'import { x } from "@rlhf-loop/proto";', filename: at("services/lib/kit/src/a.ts") },
      { code: 'import { x } from "@rlhf-loop/kit";', filename: at("services/ingestion/src/a.ts") },
      { code: 'import { x } from "@rlhf-loop/ingestion";', filename: at("services/cli/src/a.ts") },
      { code: 'import { x } from "@rlhf-loop/client";', filename: at("services/lib/sim/src/a.ts") },
      { code: 'import { x } from "pg";', filename: at("services/lib/ml/src/a.ts") },
    ],
    invalid: [
      { code: 'import { x } from "@rlhf-loop/kit";', filename: at("services/lib/ml/src/a.ts"), errors: [{ messageId: "forbidden" }] },
      { code: 'import { x } from "@rlhf-loop/ingestion";', filename: at("services/reward/src/a.ts"), errors: [{ messageId: "forbidden" }] },
      { code: 'import { x } from "@rlhf-loop/kit";', filename: at("services/client/src/a.ts"), errors: [{ messageId: "forbidden" }] },
      { code: 'export * from "@rlhf-loop/kit";', filename: at("proto/src/a.ts"), errors: [{ messageId: "forbidden" }] },
      { code: 'import { x } from "@rlhf-loop/kit/src/bus/bus.js";', filename: at("services/cli/src/a.ts"), errors: [{ messageId: "deep" }] },
    ],
  });
});
