import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface MetricsOptions {
  service: string;
  /** Default process metrics (cpu, memory, event loop lag, gc). On unless false. */
  defaultMetrics?: boolean;
  /** When set, /metrics answers only `Authorization: Bearer <scrapeToken>` (its labels name tenants). */
  scrapeToken?: string;
}

interface MetricBase<L extends string> {
  /** Must start with `rlhf_`. */
  name: string;
  help: string;
  labelNames?: readonly L[];
}
export type CounterOptions<L extends string> = MetricBase<L>;
export interface GaugeOptions<L extends string> extends MetricBase<L> {
  /** Called on every scrape to set the gauge (e.g. consumer lag). */
  collect?: (gauge: Gauge<L>) => void | Promise<void>;
}
export interface HistogramOptions<L extends string> extends MetricBase<L> {
  buckets?: readonly number[];
}

/** A per-process registry (never prom-client's global one) plus typed helpers. */
export interface Metrics {
  readonly service: string;
  readonly registry: Registry;
  /** Returns the existing counter when one with this name is registered already. */
  counter<L extends string = never>(options: CounterOptions<L>): Counter<L>;
  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L>;
  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L>;
  /** The exposition text for /metrics. */
  render(): Promise<string>;
  readonly contentType: string;
  /** The bearer token a scraper must send, when the process requires one. */
  readonly scrapeToken?: string;
}

/** Latency buckets in seconds, 1 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

function checkName(name: string): void {
  if (!/^rlhf_[a-z0-9_]+$/.test(name)) {
    throw new Error(`metric name ${JSON.stringify(name)} must match rlhf_[a-z0-9_]+`);
  }
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  function existing<T>(name: string): T | undefined {
    return registry.getSingleMetric(name) as T | undefined;
  }

  return {
    service: options.service,
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    ...(options.scrapeToken ? { scrapeToken: options.scrapeToken } : {}),
    counter<L extends string = never>(o: CounterOptions<L>): Counter<L> {
      checkName(o.name);
      return (
        existing<Counter<L>>(o.name) ??
        new Counter<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], registers: [registry] })
      );
    },
    gauge<L extends string = never>(o: GaugeOptions<L>): Gauge<L> {
      checkName(o.name);
      const collect = o.collect;
      return (
        existing<Gauge<L>>(o.name) ??
        new Gauge<L>({
          name: o.name,
          help: o.help,
          labelNames: o.labelNames ?? [],
          registers: [registry],
          ...(collect ? { collect(this: Gauge<L>) { return collect(this); } } : {}),
        })
      );
    },
    histogram<L extends string = never>(o: HistogramOptions<L>): Histogram<L> {
      checkName(o.name);
      return (
        existing<Histogram<L>>(o.name) ??
        new Histogram<L>({
          name: o.name,
          help: o.help,
          labelNames: o.labelNames ?? [],
          buckets: [...(o.buckets ?? LATENCY_BUCKETS)],
          registers: [registry],
        })
      );
    },
  };
}
