// The demo's simulated product: the default world, smaller and with both week-2 events placed so
// a two-week scenario shows them (day 0 is a Monday, so days 0-6 are week 1 and 7-13 week 2).
import { defaultWorldConfig, parseWorldConfig, type WorldConfig } from "@rlhf-loop/sim";

export interface DemoWorldOptions {
  readonly interactionsPerDay: number;
  readonly tenantId: string;
}

export const DRIFT_DAY = 9;
export const RUBRIC_CHANGE_DAY = 10;
export const DAYS = 14;

export function demoWorldConfig(o: DemoWorldOptions): WorldConfig {
  const base = defaultWorldConfig();
  return parseWorldConfig({
    ...base,
    name: "demo",
    tenantId: o.tenantId,
    traffic: { ...base.traffic, interactionsPerDay: o.interactionsPerDay },
    drift: { ...base.drift, day: DRIFT_DAY },
    experts: { ...base.experts, rubricChangeDay: RUBRIC_CHANGE_DAY, lagDays: 2 },
  });
}
