import type { PluginDefinition } from '../schema/plugin.js';
import type { Referring } from '../schema/references.js';

/*
 * Glossary.
 * - step kind: one thing a runbook step does (`restart`, `shell`, `wait`...): its key, its options
 *   schema, what its options name (`references`), the driver actions it asks (`actions`), and `run`.
 * - step context: what a step is handed to act with. A step never reaches a feature itself: the
 *   runbooks feature gives it ports (services, checks, backups, smoke suites, notifiers) that do the
 *   work where the run is (a node's worker, or the CLI), each honouring the step's signal.
 * - outcome: how a step ended, as data: ok or not, one line saying why, a result later steps read
 *   (`steps.<name>.result`) and output the run keeps (capped).
 * - pause: what an `approve` step asks instead of running: the run waits until someone approves.
 */

/**
 * The contract every runbook step kind implements: the key that selects it, its options schema, and
 * `references`: the services, checks, backups, smoke suites, notifiers or restore targets its options
 * name, so `validate` refuses a runbook whose step names something the file does not define.
 */
export interface StepKindDefinition<Options = unknown> extends PluginDefinition, Referring<Options> {
  /**
   * The driver actions its options ask of services (`restart`, `scale`, ...), each with where the
   * service is named in them; `validate` refuses one the service's driver does not support. None when
   * it asks for nothing.
   */
  actions?(options: Options): readonly ActionUse[];
  /** Does the step's work. A step kind without it (`deploy` before deploys arrive) is refused when run. */
  run?(options: Options, ctx: StepContext): Promise<StepOutcome>;
  /** The timeout its options give (`wait: { healthy: web, timeout: 2m }`), used when the step sets none. */
  timeoutOf?(options: Options): number | undefined;
  /**
   * A step that waits for a person instead of running (`approve`): who may approve, and for how long;
   * or, for a pause that turns out not to be needed, why it is skipped.
   */
  pause?(options: Options): StepPause | { skipped: string };
}

/** A driver action a step asks of a service (a name from `SERVICE_ACTIONS`), and where the service is written. */
export interface ActionUse {
  service: string;
  action: string;
  at: readonly PropertyKey[];
}

/** How a step ended. A step that throws is a failed step whose detail is the error's message. */
export interface StepOutcome {
  ok: boolean;
  /** One line: what it did or why it failed. */
  detail: string;
  /** What later steps read as `steps.<name>.result` and the run shows; plain data. */
  result?: unknown;
  /** Text the step produced (a command's output); the run keeps the end of it, capped. */
  output?: string;
  /** How many bytes it produced in all, when `output` is already only their end. */
  outputBytes?: number;
  /** It had nothing to do (a rollback after a deploy that changed nothing): recorded as skipped. */
  skipped?: boolean;
}

/** What an `approve` step waits for. */
export interface StepPause {
  message: string;
  /** Who may approve (a token's or a user's name); anyone with the operator role when absent. */
  approvers?: readonly string[];
  /** How long it waits before the run fails. */
  timeoutMs: number;
}

/** A value a run carries as a parameter. */
export type ParamValue = string | number | boolean;

/** What a step is handed while it runs. */
export interface StepContext {
  runId: number;
  /** The run's parameters, typed and checked. */
  params: Readonly<Record<string, ParamValue>>;
  /** Aborts when the step's timeout passes, the run is cancelled or the node stops. */
  signal: AbortSignal;
  /** The step's own timeout in milliseconds (the signal aborts at it). */
  timeoutMs: number;
  /** The stack file's folder, where relative paths start. */
  baseDir: string;
  /** Keeps an item of evidence with this step: scrubbed, bounded and hashed by the run. */
  evidence(item: { name: string; kind: 'log' | 'output' | 'file'; content: string }): Promise<void>;
  /**
   * Tells the run a program the step started (its pid, which leads its process group), so that
   * should this process die mid-step, the one that closes the run kills that group too.
   */
  processStarted(pid: number): void;
  /** Waits this long, or less when the signal aborts (then it rejects). */
  sleep(ms: number): Promise<void>;
  services: ServicesPort;
  checks: ChecksPort;
  backups: BackupsPort;
  smoke: SmokePort;
  notify: NotifyPort;
  deploys: DeploysPort;
}

/** One action on a service through its driver; changing ones keep its logs first (evidence). */
export interface ServicesPort {
  act(
    service: string,
    action: string,
    request: { replicas?: number; sinceMs?: number; tail?: number; signal: AbortSignal; timeoutMs: number },
  ): Promise<ServiceActionReport>;
  /** The service's state as its driver sees it; undefined when its driver cannot tell. */
  status(service: string, signal: AbortSignal): Promise<ServiceActionReport['status'] | undefined>;
  /**
   * Runs the service's containers' own healthcheck now (a container just started is `starting` until
   * the Engine's first probe); undefined when its driver cannot, or it has none.
   */
  probe(service: string, signal: AbortSignal): Promise<{ healthy: boolean; detail: string } | undefined>;
}

/** What a service action gave back, as a step reads it. */
export interface ServiceActionReport {
  detail: string;
  output?: string;
  /** For `status`: the driver's view (state, health, restarts, replicas). */
  status?: { state: string; health?: string; restarts?: number; replicas?: number; detail: string };
  /** For `logs`: the text read. */
  logs?: string;
}

/** One check's verdict, as a step reads it. */
export interface CheckVerdict {
  id: string;
  outcome: 'pass' | 'warn' | 'fail';
  /** Why it failed, or what it saw. */
  reason: string;
  /** The result as conditions read it (status, body, value...), for `steps.<name>.result`. */
  result: unknown;
}

/** Checks of the stack file, run now. */
export interface ChecksPort {
  /**
   * Runs checks (`web.health`, or `web` for all of a service's) once, now; `override` holds each to
   * other conditions than its own (a `wait: { check, until }`).
   */
  run(
    refs: readonly string[],
    signal: AbortSignal,
    override?: { expect: readonly string[] },
  ): Promise<CheckVerdict[]>;
  /** The check ids a service has (`worker.backlog`, ...). */
  ofService(service: string): readonly string[];
  /** Runs a check of any kind written in the step (an `http:` step), held to `expect`. */
  runInline(
    kind: string,
    options: unknown,
    expect: readonly string[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<CheckVerdict>;
}

export interface BackupsPort {
  /** Runs a backup now and waits for its snapshot. */
  run(backup: string, signal: AbortSignal): Promise<{ snapshot: string; detail: string }>;
  /** Restores a snapshot (`latest` for the newest good one) over the live data, or into `to`. */
  restore(
    backup: string,
    options: { snapshot: string; to?: string; signal: AbortSignal },
  ): Promise<{ detail: string }>;
}

export interface SmokePort {
  run(suite: string, signal: AbortSignal): Promise<{ ok: boolean; detail: string; runId: number | null }>;
}

export interface NotifyPort {
  send(notifiers: readonly string[], message: string, signal: AbortSignal): Promise<{ detail: string }>;
}

/** Deploys and rollbacks, each a run of its own with its gates, verification and rollback. */
export interface DeploysPort {
  deploy(
    service: string,
    what: { image?: string; ref?: string },
    trigger: string,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; runId: number; detail: string }>;
  rollback(
    service: string,
    to: string | undefined,
    trigger: string,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; runId: number; detail: string }>;
}
