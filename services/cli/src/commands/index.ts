import type { Command } from "../command.js";
import { keyCreate, keyList, keyRevoke, tenantCreate } from "./tenant.js";

/** Every `rlhf` command; main.ts dispatches on the longest matching word path. */
export const commands: readonly Command[] = [tenantCreate, keyCreate, keyRevoke, keyList];
