import { z } from 'zod';
import { DayshiftError } from '../../errors.js';
import { loadDocker } from '../../util/client-libraries.js';
import { DirectoryTarget, dumpFiles, scratchDirectory } from './shared/directory-archive.js';
import { defineSource, unexpectedTo } from './types.js';

/**
 * A Docker volume's contents (db_data, media_data), archived like `files` from the volume's directory
 * on the host, which Docker's local driver keeps under its data root: Dayshift must run where the
 * Engine runs, as a user who can read that directory (root).
 */
export const volumeBackupSource = defineSource({
  kind: 'volume',
  drillAssertions: ['exists', 'checksums', 'command'],
  description: "a Docker volume's contents, read from its directory on the host",
  options: z.strictObject({ name: z.string().min(1) }),
  /** The directory a drill makes its temp directory in; the system's temp directory when omitted. */
  target: z.strictObject({ path: z.string().min(1).optional() }),
  // A bare name is another Docker volume (created when missing), one a volume backup names.
  restoreTo: { kind: 'path', nameOf: (o) => o.name },
  async dump(o, ctx) {
    return dumpFiles({ paths: ['.'] }, await mountpointOf(o.name, false), ctx.signal);
  },
  scratch: (_o, into) => scratchDirectory(into?.path),
  // `--to` another volume's name (created when missing) or a directory.
  async restoreTarget(o, to) {
    if (to === undefined) return new DirectoryTarget(await mountpointOf(o.name, false));
    if (to.kind === 'path') return new DirectoryTarget(to.path, false, to.recheck);
    if (to.kind === 'name') return new DirectoryTarget(await mountpointOf(to.name, true));
    return unexpectedTo('volume', to);
  },
});

async function mountpointOf(name: string, create: boolean): Promise<string> {
  const docker = new (await loadDocker())();
  try {
    const info = (await docker.getVolume(name).inspect()) as { Mountpoint: string };
    return info.Mountpoint;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404 && create) {
      const made = (await docker.createVolume({ Name: name })) as unknown as { Mountpoint?: string };
      if (made.Mountpoint) return made.Mountpoint;
      return mountpointOf(name, false);
    }
    throw new DayshiftError(
      'BACKUP_FAILED',
      status === 404
        ? `the Docker volume ${name} does not exist`
        : `could not inspect the Docker volume ${name}: ${(error as Error).message}`,
      {
        hint:
          status === 404
            ? 'docker volume ls lists them'
            : 'check that Docker Engine runs and its socket can be read',
        cause: error,
      },
    );
  }
}
