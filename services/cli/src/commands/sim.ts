import { runSimExport, runSimStream, SIM_EXPORT_USAGE, SIM_STREAM_USAGE } from "@rlhf-loop/sim";
import { delegatedCommand } from "../command.js";

// The simulator owns its flags (services/lib/sim/src/cli).
export const simStream = delegatedCommand(
  ["sim", "stream"],
  "stream the simulated support product's traffic into ingestion (HTTP or gRPC)",
  SIM_STREAM_USAGE,
  runSimStream,
);

export const simExport = delegatedCommand(
  ["sim", "export"],
  "write the simulated stream to JSONL or CSV files (a spreadsheet of votes)",
  SIM_EXPORT_USAGE,
  runSimExport,
);
