// Worker entry: registers tsx's loader inside the worker thread (module hooks of the main thread
// do not reach workers on Node 20), then runs the TypeScript worker.
import { register } from "tsx/esm/api";
import { workerData } from "node:worker_threads";

register();
await import(workerData.entry);
