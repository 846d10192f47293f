// The full-loop scenario, for the end-to-end tests: the stacks and the scenario the demo runs.
export { startEmbeddedStack } from "./embedded-stack.js";
export { startClusterStack } from "./cluster-stack.js";
export { runScenario, MAIN_ARM, BIASED_ARM, type ScenarioOptions } from "./scenario.js";
export { DayTracker } from "./day-tracker.js";
export { demoWorldConfig, DAYS, DRIFT_DAY, RUBRIC_CHANGE_DAY } from "./demo-world.js";
export { runDemo, DEFAULT_DEMO, type DemoOptions } from "./run-demo.js";
export type { LoopStack } from "./stack.js";
