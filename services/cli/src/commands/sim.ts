import { runSimExport, runSimStream, SIM_EXPORT_USAGE, SIM_STREAM_USAGE } from "@rlhf-loop/sim";
import type { Command } from "../command.js";

// The simulator owns its flags (services/lib/sim/src/cli); the CLI only routes to it.
export const simStream: Command = {
  path: ["sim", "stream"],
  summary: "stream the simulated support product's traffic into ingestion (HTTP or gRPC)",
  usage: SIM_STREAM_USAGE.replace(/^usage: /, ""),
  options: {},
  run: () => Promise.resolve(2),
  raw: async (argv) => (await runSimStream(argv)).exitCode,
};

export const simExport: Command = {
  path: ["sim", "export"],
  summary: "write the simulated stream to JSONL or CSV files (a spreadsheet of votes)",
  usage: SIM_EXPORT_USAGE.replace(/^usage: /, ""),
  options: {},
  run: () => Promise.resolve(2),
  raw: async (argv) => (await runSimExport(argv)).exitCode,
};
