import type { Command } from 'commander';
import { OnCall, type OnCallOverride, type OnCallShift } from '../../incidents/oncall.js';
import { parseDateTimeIn } from '../../util/zoned-time.js';
import { apiRequest, type Remote, remoteOf } from '../api-client.js';
import { cliAudited } from '../audited.js';
import { openCliStack } from '../context.js';

/** One rotation as `dayshift oncall` shows it. */
export interface RotationNow {
  rotation: string;
  timezone: string;
  now: OnCallShift;
  upcoming: OnCallShift[];
}

/** An override as asked for on the command line: times as written, read in the rotation's zone. */
export interface OverrideInput {
  person: string;
  from: string;
  to: string;
  reason?: string;
  createdBy: string;
}

/**
 * What `dayshift oncall` does, here against the store or on a server (`--server URL --token T`): each
 * subcommand is written once over this. Local changes are audited as the CLI's; remote ones by the
 * server, as the token's.
 */
export interface OncallBackend {
  rotations(at: number, count: number): Promise<RotationNow[]>;
  /** The rotations' time zones, to show overrides in. */
  zones(): Promise<Record<string, string>>;
  addOverride(rotation: string, input: OverrideInput): Promise<OnCallOverride>;
  removeOverride(id: number): Promise<boolean>;
  overrides(rotation: string | undefined, all: boolean): Promise<OnCallOverride[]>;
  /** How messages name a person (`people.<key>.name`); the key when not known here. */
  displayName(person: string): string;
  close(): Promise<void>;
}

/** `--from`/`--to`: epoch milliseconds, or a date and time read in `timeZone` unless it has an offset. */
export function momentIn(text: string, timeZone: string, what: string): number {
  if (/^\d{10,16}$/.test(text)) return Number(text);
  return parseDateTimeIn(text, timeZone, what);
}

/** The backend the command line asks for: `--server` (with `--token`), else the store here. */
export async function openOncall(cmd: Command): Promise<OncallBackend> {
  const remote = remoteOf(cmd.optsWithGlobals<{ server?: string; token?: string }>());
  return remote ? remoteBackend(remote) : localBackend(cmd);
}

async function localBackend(cmd: Command): Promise<OncallBackend> {
  const { config, store } = await openCliStack(cmd);
  const oncall = new OnCall(store.db, config);
  return {
    async rotations(at, count) {
      const out: RotationNow[] = [];
      for (const rotation of oncall.rotations())
        out.push({
          rotation,
          timezone: oncall.rotation(rotation).timezone,
          now: await oncall.now(rotation, at),
          upcoming: await oncall.upcoming(rotation, at, count),
        });
      return out;
    },
    zones: async () => Object.fromEntries(oncall.rotations().map((r) => [r, oncall.rotation(r).timezone])),
    addOverride: (rotation, input) =>
      cliAudited(
        store,
        {
          action: 'override.create',
          target: rotation,
          params: { person: input.person, from: input.from, to: input.to, reason: input.reason },
        },
        async () => {
          const { timezone } = oncall.rotation(rotation);
          return oncall.addOverride(
            {
              rotation,
              person: input.person,
              startsAt: momentIn(input.from, timezone, '--from'),
              endsAt: momentIn(input.to, timezone, '--to'),
              reason: input.reason,
              createdBy: input.createdBy,
            },
            Date.now(),
          );
        },
      ),
    removeOverride: (id) =>
      cliAudited(store, { action: 'override.remove', target: String(id) }, () => oncall.removeOverride(id)),
    overrides: (rotation, all) => oncall.overrides(rotation, all ? undefined : Date.now()),
    displayName: (person) => oncall.displayName(person),
    close: () => store.close(),
  };
}

function remoteBackend(remote: Remote): OncallBackend {
  const get = (path: string) => apiRequest(remote, 'GET', `/api/v1/oncall${path}`);
  const names = async () =>
    ((await get('')) as { rotations: { rotation: string; timezone: string }[] }).rotations;
  return {
    async rotations(at, count) {
      const out: RotationNow[] = [];
      for (const { rotation } of await names())
        out.push((await get(`/${encodeURIComponent(rotation)}?at=${at}&count=${count}`)) as RotationNow);
      return out;
    },
    zones: async () => Object.fromEntries((await names()).map((r) => [r.rotation, r.timezone])),
    async addOverride(rotation, input) {
      const answer = (await apiRequest(
        remote,
        'POST',
        `/api/v1/oncall/${encodeURIComponent(rotation)}/overrides`,
        { body: { person: input.person, from: input.from, to: input.to, reason: input.reason } },
      )) as { override: OnCallOverride };
      return answer.override;
    },
    async removeOverride(id) {
      // A 404 is the server's NOT_FOUND, thrown with its hint like any refusal.
      await apiRequest(remote, 'DELETE', `/api/v1/oncall/overrides/${id}`);
      return true;
    },
    async overrides(rotation, all) {
      const rotations = rotation === undefined ? (await names()).map((r) => r.rotation) : [rotation];
      const out: OnCallOverride[] = [];
      for (const r of rotations)
        out.push(
          ...(
            (await get(`/${encodeURIComponent(r)}/overrides?all=${all}`)) as { overrides: OnCallOverride[] }
          ).overrides,
        );
      return out.sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
    },
    displayName: (person) => person,
    close: async () => {},
  };
}
