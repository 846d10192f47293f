import type { Command } from "../command.js";
import { canaryCreate, canaryImport, canaryReport, canaryRun, canaryWatch } from "./canary.js";
import { datasetExport, datasetImport } from "./dataset.js";
import { demo } from "./demo.js";
import { raterCreate, raterRevoke } from "./rater.js";
import { rewardScore, rewardTrain } from "./reward.js";
import { rlRun } from "./rl.js";
import { run } from "./run.js";
import { serviceKeyCommands } from "./service-keys.js";
import { simExport, simStream } from "./sim.js";
import { keyCreate, keyList, keyRevoke, tenantCreate } from "./tenant.js";

/** Every `rlhf` command; main.ts dispatches on the longest matching word path. */
export const commands: readonly Command[] = [demo, tenantCreate, keyCreate, keyRevoke, keyList, simStream, simExport, datasetExport, datasetImport, raterCreate, raterRevoke, rewardTrain, rewardScore, rlRun, canaryCreate, canaryImport, canaryRun, canaryReport, canaryWatch, ...serviceKeyCommands, run];
