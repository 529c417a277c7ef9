import type Docker from 'dockerode';
import type { ServiceStatus } from '../types.js';

/** Health words from worst to best: the service is as healthy as its least healthy running container. */
const HEALTH_ORDER = ['unhealthy', 'starting', 'healthy'];

/**
 * The status of a service from its containers (one, or a Compose service's replicas): running when any
 * runs; health from Docker's healthcheck (the worst of the running containers'); restarts, the Engine's
 * `RestartCount` summed: how often a restart policy restarted them since they were created (a restart
 * asked for by hand, `docker restart` or a Dayshift `restart`, does not count; a new container starts
 * at 0). `none` is the detail when there is no container at all.
 */
export function statusOfContainers(
  infos: readonly Docker.ContainerInspectInfo[],
  none: string,
): ServiceStatus {
  if (infos.length === 0) return { state: 'stopped', replicas: 0, detail: none };
  const running = infos.filter((i) => i.State.Running);
  const healths = running.map((i) => i.State.Health?.Status).filter((h): h is string => !!h);
  const health = healths.sort((a, b) => rank(a) - rank(b))[0];
  const restarts = infos.reduce((sum, i) => sum + (i.RestartCount ?? 0), 0);
  const only = running.length === 1 ? running[0] : undefined;
  return {
    state: running.length > 0 ? 'running' : 'stopped',
    ...(only && only.State.Pid > 0 ? { pid: only.State.Pid } : {}),
    ...(health ? { health } : {}),
    restarts,
    replicas: running.length,
    detail:
      infos.length === 1
        ? describeContainer(infos[0] as Docker.ContainerInspectInfo)
        : `${running.length} of ${infos.length} containers running: ${infos.map(describeContainer).join('; ')}`,
  };
}

function rank(health: string): number {
  const at = HEALTH_ORDER.indexOf(health);
  return at < 0 ? -1 : at;
}

/** `app-web-1 (3f2a1b9c0d1e) running since 2026-…Z, healthy` or `… exited with 1 at …`. */
export function describeContainer(i: Docker.ContainerInspectInfo): string {
  const name = `${i.Name.replace(/^\//, '')} (${i.Id.slice(0, 12)})`;
  const s = i.State;
  if (s.Running) return `${name} ${s.Status} since ${s.StartedAt}${s.Health ? `, ${s.Health.Status}` : ''}`;
  if (s.Status === 'created') return `${name} created, never started`;
  return `${name} ${s.Status}, exit code ${s.ExitCode}${s.FinishedAt.startsWith('0001') ? '' : ` at ${s.FinishedAt}`}`;
}
