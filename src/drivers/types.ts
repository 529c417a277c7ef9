import type { PluginDefinition } from '../schema/plugin.js';

/*
 * Glossary.
 * - action: one thing Dayshift can ask of a service (`SERVICE_ACTIONS`).
 * - supports: the actions a driver can do with the options it was given (a shell driver without a
 *   `scale:` command cannot scale); `validate` refuses a runbook step that asks for another one.
 * - control: what a driver opens for one service; every action runs its programs through
 *   `src/process/`, honours its signal and timeout, and returns bounded, scrubbed text.
 */

/** Every action a service may be asked for, in the order help and docs list them. */
export const SERVICE_ACTIONS = [
  'status',
  'restart',
  'stop',
  'start',
  'rebuild',
  'redeploy',
  'scale',
  'logs',
  'env',
] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

/** How a service is now, as its driver sees it. */
export interface ServiceStatus {
  state: 'running' | 'stopped' | 'unknown';
  /** The main process, when the driver knows one (a pidfile, a unit's MainPID). */
  pid?: number;
  /** The service's own health as its runtime reports it (Docker's `healthy`), when it has one. */
  health?: string;
  /** How many times its runtime restarted it, when it counts. */
  restarts?: number;
  /** Running replicas, for a driver that scales. */
  replicas?: number;
  /** One line that says why the state is what it is. */
  detail: string;
}

/** Every action is bounded: a timeout, and a signal that aborts it (a cancelled run, a closing node). */
export interface ActionOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ScaleOptions extends ActionOptions {
  replicas: number;
}

export interface LogsOptions extends ActionOptions {
  /** Only what was written in the last this many milliseconds, where the driver can tell. */
  sinceMs?: number;
  /** At most this many lines, the last ones. */
  tail?: number;
}

/** What an action that changes the service did, in words and its programs' output (bounded, scrubbed). */
export interface ActionResult {
  detail: string;
  output: string;
}

/** A service's recent logs: bounded text, secrets scrubbed. */
export interface ServiceLogs {
  text: string;
  /** Bytes left out before `text`. */
  truncated: number;
}

/** One variable of a service's environment; a secret's value is masked, never sent. */
export interface EnvVariable {
  name: string;
  value: string;
  masked: boolean;
}

/**
 * The control a driver opens for one service. An action the driver does not support for its options
 * is refused before anything runs (the caller checks `supports`); a failed action throws a
 * `DayshiftError` (`SERVICE_ACTION_FAILED`; a driver with a dependency, Docker or systemd, adds its own
 * code for one that does not answer, exit 3).
 */
export interface ServiceControl {
  status(options: ActionOptions): Promise<ServiceStatus>;
  start(options: ActionOptions): Promise<ActionResult>;
  stop(options: ActionOptions): Promise<ActionResult>;
  restart(options: ActionOptions): Promise<ActionResult>;
  rebuild(options: ActionOptions): Promise<ActionResult>;
  redeploy(options: ActionOptions): Promise<ActionResult>;
  scale(options: ScaleOptions): Promise<ActionResult>;
  logs(options: LogsOptions): Promise<ServiceLogs>;
  env(options: ActionOptions): Promise<EnvVariable[]>;
  /** Deploying by image, for a driver that runs containers; absent for the others. */
  readonly images?: ImageReleases;
}

/** What an image deploy applied, in words, and how the old containers made way for the new. */
export interface ApplyResult extends ActionResult {
  /** The new containers started beside the old ones, which stopped only once the new were up. */
  sideBySide: boolean;
  /** With no side-by-side start: how long the service had no running container (ms). */
  downtimeMs?: number;
  /** A file the apply wrote and keeps (the Compose override that pins the digest), relative to the stack. */
  file?: string;
}

/**
 * How a container driver deploys an image (`compose`, `docker`). Every image is a repository digest
 * (`repo@sha256:…`): a tag is resolved by `pull` first and never applied.
 */
export interface ImageReleases {
  /** The repository digest the service's containers run now, when the Engine knows it. */
  running(options: ActionOptions): Promise<{ digest?: string; image?: string; detail: string }>;
  /** Pulls `reference` and gives the digest its registry serves (`IMAGE_NOT_FOUND` when none). */
  pull(reference: string, options: ActionOptions): Promise<string>;
  /** Whether the new containers can start beside the old (no fixed container name, no host port), and why. */
  sideBySide(options: ActionOptions): Promise<{ possible: boolean; why: string }>;
  /** Runs the service at `digest`, pulled already: beside the old containers when possible. */
  apply(digest: string, options: ActionOptions): Promise<ApplyResult>;
  /**
   * Runs the containers' own healthcheck now, without waiting for the Engine's next probe: healthy
   * when it passes in every running container; undefined when none has one. Optional: a driver
   * without it (through an agent) is waited for as the Engine reports.
   */
  probe?(options: ActionOptions): Promise<{ healthy: boolean; detail: string } | undefined>;
  /** Removes the repository's images on this Engine but the `keep` digests (not one a container uses). */
  prune(repository: string, keep: readonly string[], options: ActionOptions): Promise<{ removed: string[] }>;
}

/** Where a service is acted on: its name in the stack file and the folder its relative paths start from. */
export interface ServiceTarget {
  service: string;
  /** The stack file's folder: the working directory of the driver's programs. */
  baseDir: string;
}

/** Why an action is refused, in the driver's words: what is missing and how to give it. */
export interface Refusal {
  message: string;
  hint: string;
}

/**
 * The contract every service driver implements (`compose`, `docker`, `systemd`, `shell`, `none`): its
 * options schema, the actions it supports with given options, and `open`, the control for one service.
 * A driver whose acting has not arrived yet declares no `open` and supports nothing.
 */
export interface DriverDefinition<Options = unknown> extends PluginDefinition {
  /** The actions it can do with these options; `validate` and every caller refuse the others. */
  supports(options: Options): readonly ServiceAction[];
  /** Why `action` is refused for `service` with these options, and what to change. */
  refusal(service: string, action: ServiceAction, options: Options): Refusal;
  open?(target: ServiceTarget, options: Options): ServiceControl;
  /** Whether its services deploy by image (`dayshift deploy --image`); `validate` refuses it otherwise. */
  deploysImages?(options: Options): boolean;
}
