import { DATASET_EXPORT_USAGE, DATASET_IMPORT_USAGE, runDatasetExport, runDatasetImport } from "@rlhf-loop/labeling";
import type { Command } from "../command.js";

// The labeling service owns these flags (services/labeling/src/datasets/cli.ts); the CLI routes.
export const datasetExport: Command = {
  path: ["dataset", "export"],
  summary: "export a dataset snapshot as TRL, OpenAI DPO or Anthropic HH JSONL",
  usage: DATASET_EXPORT_USAGE.replace(/^usage: /, ""),
  options: {},
  run: () => Promise.resolve(2),
  raw: async (argv) => (await runDatasetExport(argv)).exitCode,
};

export const datasetImport: Command = {
  path: ["dataset", "import"],
  summary: "import a preference file (TRL, OpenAI DPO, Anthropic HH) as a new dataset snapshot",
  usage: DATASET_IMPORT_USAGE.replace(/^usage: /, ""),
  options: {},
  run: () => Promise.resolve(2),
  raw: async (argv) => (await runDatasetImport(argv)).exitCode,
};
