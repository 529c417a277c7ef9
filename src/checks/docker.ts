import type Docker from 'dockerode';
import { z } from 'zod';
import { loadDocker } from '../util/client-libraries.js';
import type { NamedValue } from './shared/database-values.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  /** A container's name or id. */
  container: z.string().min(1),
  /** The Engine API socket (a path or unix:///path); the default is $DOCKER_HOST or /var/run/docker.sock. */
  socket: z.string().optional(),
});
type DockerOptions = z.output<typeof options>;

/**
 * A container through the Engine API. Values: state (running, exited, restarting, paused, created,
 * dead), health (healthy, unhealthy, starting, or none without a HEALTHCHECK), restart_count, and
 * while it runs cpu_pct (of one CPU times the CPUs it may use, as `docker stats` shows it) and
 * memory_bytes and memory_pct (of its limit, or of the host's memory without one; page cache left
 * out as `docker stats` does). A stopped container's exit
 * code is `exit_code`. A missing container or an unreachable Engine is an error.
 */
export const dockerCheck = {
  kind: 'docker',
  description: "a container's state, health (Docker's own healthcheck), restarts, cpu_pct and memory_pct",
  options,
  defaultExpect: ["state == 'running'", "health != 'unhealthy'"],
  produces: () => ({
    fields: ['exit_code'],
    values: ['state', 'health', 'restart_count', 'cpu_pct', 'memory_bytes', 'memory_pct'],
  }),
  probe: probeDocker,
} satisfies CheckKindDefinition<DockerOptions>;

async function engineOf(o: DockerOptions, timeoutMs: number): Promise<{ docker: Docker; where: string }> {
  const Docker = await loadDocker();
  if (o.socket !== undefined) {
    const socketPath = o.socket.replace(/^unix:\/\//, '');
    return { docker: new Docker({ socketPath, timeout: timeoutMs }), where: socketPath };
  }
  // docker-modem reads DOCKER_HOST (unix://, tcp://, with DOCKER_TLS_VERIFY) itself when given no socket.
  if (process.env.DOCKER_HOST)
    return { docker: new Docker({ timeout: timeoutMs }), where: process.env.DOCKER_HOST };
  const socketPath = '/var/run/docker.sock';
  return { docker: new Docker({ socketPath, timeout: timeoutMs }), where: socketPath };
}

async function probeDocker(o: DockerOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const { docker, where } = await engineOf(o, context.timeoutMs);
  const container = docker.getContainer(o.container);
  let info: Docker.ContainerInspectInfo;
  try {
    info = await container.inspect({ abortSignal: context.signal });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return { subject: {}, error: `no container named ${o.container}` };
    return { subject: {}, error: `cannot reach the Docker Engine at ${where}: ${messageOf(error)}` };
  }
  const state = info.State;
  const values: Record<string, NamedValue> = {
    state: state.Status,
    health: state.Health?.Status ?? 'none',
    restart_count: info.RestartCount ?? 0,
  };
  const outcome: ProbeOutcome = {
    subject: { values },
    details: { id: info.Id.slice(0, 12), image: info.Config?.Image, started_at: state.StartedAt },
  };
  if (state.Running) {
    try {
      // stream: false makes the Engine wait for a second sample, so precpu_stats is a real baseline.
      const once = { stream: false, abortSignal: context.signal } as { stream: false };
      const stats = await container.stats(once);
      values.cpu_pct = cpuPct(stats);
      const memory = memoryUse(stats);
      values.memory_bytes = memory?.used ?? null;
      values.memory_pct = memory ? round((memory.used / memory.limit) * 100) : null;
    } catch (error) {
      // State and health are what most conditions read; missing usage figures only fail the ones that ask.
      outcome.details = { ...outcome.details, stats_error: messageOf(error) };
    }
  } else {
    outcome.subject.exitCode = state.ExitCode;
  }
  const lastHealth = state.Health?.Log?.at(-1);
  if (lastHealth && state.Health?.Status === 'unhealthy')
    outcome.details = { ...outcome.details, health_output: lastHealth.Output.trim().slice(0, 500) };
  return outcome;
}

function cpuPct(s: Docker.ContainerStats): number | null {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  if (!(systemDelta > 0) || cpuDelta < 0) return null;
  return round((cpuDelta / systemDelta) * online * 100);
}

function memoryUse(s: Docker.ContainerStats): { used: number; limit: number } | undefined {
  const m = s.memory_stats as { usage?: number; limit?: number; stats?: Record<string, number> };
  if (!m.usage || !m.limit) return undefined;
  // cgroup v1 reports total_inactive_file, v2 inactive_file: the page cache the kernel can drop.
  const cache = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return { used: cache < m.usage ? m.usage - cache : m.usage, limit: m.limit };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
