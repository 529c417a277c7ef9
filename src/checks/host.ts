import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  /** A path on the filesystem whose usage is disk_pct, from the stack file's directory. */
  disk: z.string().min(1).default('/'),
});
type HostOptions = z.output<typeof options>;

/**
 * This machine. Values: cpu_pct (busy time since the previous host check, or over 150 ms on the first
 * run or after a long gap), memory_pct (what MemAvailable says is not available, the figure that
 * predicts the OOM killer rather than `free`'s used), disk_pct (of `disk`, as df computes it: blocks
 * reserved for root count as neither used nor available), load1, load5, load15. All percentages 0–100.
 */
export const hostCheck = {
  kind: 'host',
  description: 'this machine: values cpu_pct, memory_pct, disk_pct (of the disk path), load1, load5, load15',
  options,
  defaultExpect: ['disk_pct < 90%', 'memory_pct < 95%'],
  produces: () => ({
    fields: [],
    values: ['cpu_pct', 'memory_pct', 'disk_pct', 'load1', 'load5', 'load15'],
  }),
  probe: probeHost,
} satisfies CheckKindDefinition<HostOptions>;

interface CpuTimes {
  at: number;
  busy: number;
  total: number;
}

const SAMPLE_MS = 150;
/** A previous reading older than this averages too much away to mean "now". */
const MAX_WINDOW_MS = 60_000;
let previous: CpuTimes | undefined;

async function probeHost(o: HostOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const path = resolve(context.baseDir, o.disk);
  let disk: number;
  try {
    const s = await statfs(path);
    const used = s.blocks - s.bfree;
    disk = used + s.bavail > 0 ? (used / (used + s.bavail)) * 100 : 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      subject: {},
      error:
        code === 'ENOENT'
          ? `the disk path ${path} does not exist`
          : `cannot read the disk usage of ${path}: ${(error as Error).message}`,
    };
  }
  let cpu: number;
  try {
    cpu = await cpuPct(context.signal);
  } catch {
    return { subject: {}, error: 'aborted while sampling the CPU' };
  }
  const [load1, load5, load15] = loadavg();
  return {
    subject: {
      values: {
        cpu_pct: round(cpu),
        memory_pct: round(await memoryPct()),
        disk_pct: round(disk),
        load1: round(load1 ?? 0),
        load5: round(load5 ?? 0),
        load15: round(load15 ?? 0),
      },
    },
  };
}

async function cpuPct(signal: AbortSignal): Promise<number> {
  let before = previous;
  const now = performance.now();
  if (!before || now - before.at < SAMPLE_MS / 2 || now - before.at > MAX_WINDOW_MS) {
    before = await cpuTimes();
    await sleep(SAMPLE_MS, undefined, { signal });
  }
  const after = await cpuTimes();
  previous = after;
  const total = after.total - before.total;
  return total > 0 ? Math.min(100, Math.max(0, ((after.busy - before.busy) / total) * 100)) : 0;
}

/**
 * /proc/stat has iowait (counted idle, as top does) and steal (counted busy: a starved VM is busy for
 * its workload), which os.cpus() leaves out; os.cpus() serves where there is no /proc.
 */
async function cpuTimes(): Promise<CpuTimes> {
  const at = performance.now();
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length >= 4 && fields.every(Number.isFinite)) {
      const total = fields.reduce((a, b) => a + b, 0);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      return { at, busy: total - idle, total };
    }
  } catch {
    // Not Linux: fall through.
  }
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { at, busy, total };
}

async function memoryPct(): Promise<number> {
  try {
    const text = await readFile('/proc/meminfo', 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    if (total > 0 && Number.isFinite(available)) return (1 - available / total) * 100;
  } catch {
    // Not Linux: fall through.
  }
  return (1 - freemem() / totalmem()) * 100;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
