import type Docker from 'dockerode';
import { scrubSecrets } from '../../schema/secret.js';
import type { LogsOptions, ServiceLogs } from '../types.js';
import { DEFAULT_TAIL_LINES, demultiplex, recentLines } from './log-lines.js';

/**
 * The recent logs of containers through the Engine API, with Docker's timestamps: each container's
 * tail (and `since`), demultiplexed, its lines prefixed with `prefixOf(info)` when it gives one, then
 * ordered by time and cut to `tail` and the byte bound, secrets scrubbed. `read` makes one bounded
 * Engine call (the driver's own, with its timeout, signal and errors).
 */
export async function containerLogs(
  infos: readonly Docker.ContainerInspectInfo[],
  options: LogsOptions,
  read: (id: string, request: Docker.ContainerLogsOptions & { follow: false }) => Promise<Buffer>,
  prefixOf: (info: Docker.ContainerInspectInfo) => string,
): Promise<ServiceLogs> {
  // `since` counts back from when the logs were asked for, not from when the Engine answered.
  const now = Date.now();
  const tail = options.tail ?? DEFAULT_TAIL_LINES;
  const since = options.sinceMs === undefined ? undefined : Math.floor((now - options.sinceMs) / 1000);
  const texts: string[] = [];
  for (const info of infos) {
    const data = await read(info.Id, {
      follow: false,
      stdout: true,
      stderr: true,
      timestamps: true,
      tail,
      ...(since === undefined ? {} : { since }),
    });
    const text = info.Config.Tty ? data.toString('utf8') : demultiplex(data);
    const prefix = prefixOf(info);
    texts.push(
      prefix
        ? text
            .split('\n')
            .map((line) => (line ? prefix + line : line))
            .join('\n')
        : text,
    );
  }
  const logs = recentLines(texts.join('\n'), { sinceMs: options.sinceMs, tail, now });
  return { ...logs, text: scrubSecrets(logs.text) };
}
