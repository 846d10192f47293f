/**
 * Writes infra/grafana/dashboards/*.json from the specs in dashboards.ts:
 *   node --import tsx tests/observability/write-dashboards.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARDS, dashboardText } from "./dashboards.js";
import { ROOT } from "./metric-catalog.js";

const dir = join(ROOT, "infra/grafana/dashboards");
mkdirSync(dir, { recursive: true });
for (const d of DASHBOARDS) {
  writeFileSync(join(dir, d.file), dashboardText(d));
  console.log(`wrote infra/grafana/dashboards/${d.file}`);
}
