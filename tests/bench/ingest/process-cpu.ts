// CPU seconds used per process group between two readings of /proc (Linux), so a phase can say
// where each event's CPU went: the service, Postgres, the Kafka broker, the load generator.
import { readdirSync, readFileSync } from "node:fs";

export type CpuGroup = "service" | "postgres" | "kafka" | "load generator" | "other";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readProc(pid: string): { cpuSeconds: number; comm: string; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // utime and stime are fields 14 and 15 of stat(5); fields[] starts at field 3.
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    return { cpuSeconds, comm, cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8") };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** Sums CPU seconds by group; `servicePid` is the process under test. */
export function cpuByGroup(servicePid: number | undefined): Map<CpuGroup, number> {
  const out = new Map<CpuGroup, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const p = readProc(pid);
    if (!p) continue;
    const group: CpuGroup =
      Number(pid) === servicePid ? "service"
      : Number(pid) === process.pid ? "load generator"
      : p.comm === "postgres" || p.cmdline.startsWith("postgres") ? "postgres"
      : p.comm === "java" && p.cmdline.includes("kafka") ? "kafka"
      : "other";
    out.set(group, (out.get(group) ?? 0) + p.cpuSeconds);
  }
  return out;
}

/** CPU microseconds per event by group between two readings. */
export function cpuPerEvent(before: Map<CpuGroup, number>, after: Map<CpuGroup, number>, events: number): Record<CpuGroup, number> {
  const groups: CpuGroup[] = ["service", "postgres", "kafka", "load generator", "other"];
  return Object.fromEntries(groups.map((g) => [g, events > 0 ? (((after.get(g) ?? 0) - (before.get(g) ?? 0)) * 1e6) / events : 0])) as Record<CpuGroup, number>;
}
