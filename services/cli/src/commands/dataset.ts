import { DATASET_EXPORT_USAGE, DATASET_IMPORT_USAGE, runDatasetExport, runDatasetImport } from "@rlhf-loop/labeling";
import { delegatedCommand } from "../command.js";

// The labeling service owns these flags (services/labeling/src/datasets/cli.ts).
export const datasetExport = delegatedCommand(
  ["dataset", "export"],
  "export a dataset snapshot as TRL, OpenAI DPO or Anthropic HH JSONL",
  DATASET_EXPORT_USAGE,
  runDatasetExport,
);

export const datasetImport = delegatedCommand(
  ["dataset", "import"],
  "import a preference file (TRL, OpenAI DPO, Anthropic HH) as a new dataset snapshot",
  DATASET_IMPORT_USAGE,
  runDatasetImport,
);
