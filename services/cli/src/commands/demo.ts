import { clusterIngestDemo, embeddedIngestDemo } from "../demo/ingest-demo.js";
import { optionalInt, UsageError, type Command } from "../command.js";

export const demo: Command = {
  path: ["demo"],
  summary: "run the demo: the simulated product streams into ingestion and the stored result is shown",
  usage: "rlhf demo [--mode embedded|cluster] [--days 1] [--seed 7] [--rate 3000/s]",
  options: { mode: { type: "string" }, days: { type: "string" }, seed: { type: "string" }, rate: { type: "string" } },
  async run(values) {
    const mode = values["mode"] ?? "embedded";
    if (mode !== "embedded" && mode !== "cluster") throw new UsageError(`--mode must be embedded or cluster, got "${String(mode)}"`);
    const options = {
      days: optionalInt(values, "days", 1, 1),
      seed: optionalInt(values, "seed", 7, 0),
      rate: typeof values["rate"] === "string" ? values["rate"] : "3000/s",
    };
    return mode === "cluster" ? clusterIngestDemo(options) : embeddedIngestDemo(options);
  },
};
