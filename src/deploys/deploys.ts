import { setTimeout as sleepFor } from 'node:timers/promises';
import type { StackConfig } from '../config/schema.js';
import { deployEntry } from '../config/sections/deploys.js';
import type { ImageReleases } from '../drivers/types.js';
import { DayshiftError } from '../errors.js';
import { type EngineEnv, executeRun, type RunEnd } from '../runbooks/engine.js';
import { openPorts } from '../runbooks/ports.js';
import { holderGone } from '../runs/holder.js';
import { RunRecorder } from '../runs/recorder.js';
import { Runs } from '../runs/runs.js';
import { ServiceHandle } from '../services/service-control.js';
import type { DeploysPort } from '../steps/types.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { ownValue } from '../util/own.js';
import { refReleases } from './git-ref.js';
import { deployPhases } from './phases.js';
import { type DeployDefinition, type DeployRequest, deployPlan, imageReference } from './plan.js';
import type { DeployState, Target } from './state.js';

export type { DeployRequest } from './plan.js';

import type { Release } from './release.js';
import { Releases } from './releases.js';

/** The kind every deploy and rollback run is recorded under; its name is the service's. */
export const DEPLOY_RUN_KIND = 'deploy';

export interface DeploysEnv {
  config: StackConfig;
  configPath: string;
  baseDir: string;
  store: Store;
  clock: Clock;
}

/** The whole of a deploy run, the rollback included, may take this long at most. */
export const DEPLOY_TIMEOUT_MS = 2 * 3_600_000;

/**
 * Deploys of one stack file: opening one (one per service at a time across every node sharing the
 * store), carrying it out as a run whose steps are its phases (pin, gates, apply, verify, release;
 * on failure, rollback to the last known-good release and its verification), and closing the deploys
 * whose process died with the service left on a recorded release.
 */
export class Deploys {
  readonly env: DeploysEnv;
  readonly runs: Runs;
  readonly releases: Releases;

  constructor(env: DeploysEnv) {
    this.env = env;
    this.runs = new Runs(env.store.db, env.clock);
    this.releases = new Releases(env.store.db, env.clock);
  }

  /** The service's `deploys:` entry, or the defaults when it has none (verify with its own checks). */
  definition(service: string): DeployDefinition {
    this.#handle(service);
    return ownValue(this.env.config.deploys, service) ?? deployEntry.parse({});
  }

  /**
   * Opens a deploy or rollback run, held by this process: the request checked first (an image for a
   * container service, a ref for one by `repo:`, never both, a digest when `require_digest`), then, in
   * one exclusive transaction, the lock: a deploy of the same service going on anywhere refuses it
   * (DEPLOY_BUSY, naming the run). Deploys of this service whose process died are closed first.
   */
  async open(request: DeployRequest, trigger: string): Promise<number> {
    this.#check(request);
    await this.settleOrphans(request.service);
    const { store, clock } = this.env;
    return store.caps.exclusive(store.db, async (trx) => {
      const runs = new Runs(trx, clock);
      const going = await runs.unfinished(DEPLOY_RUN_KIND, request.service);
      const holder = going[0];
      if (holder)
        throw new DayshiftError(
          'DEPLOY_BUSY',
          `a deploy of ${request.service} is already going: run ${holder.id} (${holder.status})`,
          {
            hint: `follow it with \`dayshift run show ${holder.id} --follow\`, or cancel it with \`dayshift run cancel ${holder.id}\``,
          },
        );
      return runs.start(DEPLOY_RUN_KIND, request.service, trigger);
    });
  }

  /** Carries out an open deploy run to its end in this process. */
  async execute(
    runId: number,
    request: DeployRequest,
    options: Pick<EngineEnv, 'signal' | 'onEvent' | 'pollMs'> = {},
  ): Promise<RunEnd> {
    const { config, configPath, baseDir, store, clock } = this.env;
    const recorder = RunRecorder.attach(this.runs, clock, runId, 0);
    const definition = this.definition(request.service);
    const state: DeployState = {
      request,
      definition,
      runId,
      target: this.#target(request.service, definition),
      releases: this.releases,
      runs: this.runs,
      clock,
      config,
      configPath,
      baseDir,
      store,
      applied: false,
    };
    const phases = deployPhases(state);
    const { definition: plan, kinds } = deployPlan(
      `${request.action} of ${request.service}`,
      phases.steps,
      phases.onFailure,
      DEPLOY_TIMEOUT_MS,
    );
    const ports = openPorts({ config, configPath, baseDir, db: store.db, runs: this.runs, clock }, runId);
    const end = await executeRun(
      recorder,
      { runbook: `${request.action} ${request.service}`, definition: plan, params: paramsOf(request) },
      { runs: this.runs, clock, baseDir, ports, kinds, ...options },
    );
    // A cancel stops the run where it is, with no rollback: its release is settled as failed, and the
    // service is left as the cancel found it (live on it if it was applied; `dayshift rollback` is there).
    if (end.status === 'cancelled')
      for (const release of await this.releases.ofRun(runId))
        if (release.state === 'deploying')
          await this.releases
            .settle(release.id, 'failed', { failure: `the run was ${end.detail}` })
            .catch(() => undefined);
    return end;
  }

  /** The port a runbook's `deploy` and `rollback` steps act through: each is a deploy run of its own. */
  port(by: string): DeploysPort {
    const go = async (request: DeployRequest, trigger: string, signal: AbortSignal) => {
      const runId = await this.open(request, trigger);
      const end = await this.execute(runId, request, { signal });
      return { ok: end.status === 'succeeded', runId, detail: `${end.detail} (run ${runId})` };
    };
    return {
      deploy: (service, what, trigger, signal) =>
        go({ service, action: 'deploy', ...what, by }, trigger, signal),
      rollback: (service, to, trigger, signal) =>
        go({ service, action: 'rollback', to, by }, trigger, signal),
    };
  }

  /**
   * Closes the deploy runs (of `service`, or all) whose holding process on this host is gone, leaving
   * each service on a recorded release (see `interrupt`).
   */
  async settleOrphans(service?: string): Promise<number[]> {
    const going = await this.runs.running({ kinds: [DEPLOY_RUN_KIND], name: service, waiting: true });
    const settled: number[] = [];
    for (const run of going) {
      if (!run.holder || !holderGone(run.holder)) continue;
      const why = `the process deploying (pid ${run.holder.pid} on ${run.holder.host}) stopped before it finished`;
      if (await this.interrupt(run.id, why)) settled.push(run.id);
    }
    return settled;
  }

  /**
   * Closes a deploy run whose process died, as failed (`interrupted: <why>`), and settles its release
   * so the service is on a recorded one, never an unknown one: a release not yet applied changed
   * nothing; one applied but not verified is undone, the service put back on the release live before
   * it (waited healthy), recorded as a rollback. A release verified before the death stays live.
   */
  async interrupt(runId: number, why: string): Promise<boolean> {
    const state = await this.runs.state(runId);
    if (!state || (state.status !== 'running' && state.status !== 'waiting')) return false;
    // The releases first, the run last: whoever reads the run as finished finds its service settled.
    // Of two processes settling at once, one wins each release (the other's settle is refused).
    for (const release of await this.releases.ofRun(runId)) {
      if (release.state !== 'deploying') continue;
      const won = await this.releases.settle(release.id, 'interrupted', { interrupted: why }).then(
        () => true,
        () => false,
      );
      if (!won || release.appliedAt === null) continue;
      await this.#restorePrevious(release, why).catch(async (error: unknown) => {
        await this.releases.note(release.id, {
          restoreFailed: error instanceof Error ? error.message : String(error),
        });
      });
    }
    return this.runs.interrupt(runId, `interrupted: ${why}`, { waiting: true });
  }

  async #restorePrevious(release: Release, why: string): Promise<void> {
    const previous =
      (release.previousId === null ? undefined : await this.releases.get(release.previousId)) ??
      (await this.releases.lastKnownGood(release.service, { except: release.target }));
    if (!previous) return;
    const definition = this.definition(release.service);
    const back = await this.releases.begin({
      service: release.service,
      kind: previous.kind,
      target: previous.target,
      requested: `rollback of release ${release.id} after: ${why}`,
      action: 'rollback',
      runId: release.runId,
      by: 'dayshift',
      previousId: release.id,
    });
    const target = this.#target(release.service, definition);
    const options = { timeoutMs: definition.verify.healthy_within };
    await target.apply(previous.target, previous.requested, options);
    await this.releases.applied(back.id);
    const handle = this.#handle(release.service);
    const deadline = this.env.clock.now() + definition.verify.healthy_within;
    for (;;) {
      const status = await handle.status();
      if (status.state === 'running' && (status.health === undefined || status.health === 'healthy')) {
        await this.releases.settle(back.id, 'verified', { verify: status.detail });
        return;
      }
      if (this.env.clock.now() > deadline) {
        await this.releases.settle(back.id, 'failed', { failure: `not healthy: ${status.detail}` });
        return;
      }
      await sleepFor(500);
    }
  }

  #handle(service: string): ServiceHandle {
    return new ServiceHandle(this.env.config, this.env.baseDir, service);
  }

  /** How a service is deployed: by image through its driver, or by ref in its `repo:`. */
  #target(service: string, definition: DeployDefinition): Target {
    if (definition.repo !== undefined) {
      const ref = refReleases(service, definition, this.env.baseDir);
      return {
        kind: 'ref',
        running: (options) => ref.running(options).then((r) => ({ target: r.commit, detail: r.detail })),
        pin: (what, options) => ref.pin(what, options),
        apply: async (commit, requested, options, onStep) => {
          const done = await ref.apply(commit, { ...options, ref: requested, onStep });
          const restarted = await this.#handle(service).act('restart', options);
          const detail = restarted.action === 'restart' ? restarted.result.detail : '';
          return { detail: `${done.detail}; ${detail}`, sideBySide: false };
        },
        sideBySide: async () => ({ possible: false, why: 'a service deployed by ref is restarted in place' }),
      };
    }
    const images = this.images(service);
    return {
      kind: 'image',
      running: (options) => images.running(options).then((r) => ({ target: r.digest, detail: r.detail })),
      pin: (reference, options) => images.pull(reference, options),
      apply: (digest, _requested, options) => images.apply(digest, options),
      sideBySide: (options) => images.sideBySide(options),
      prune: (repository, keep, options) => images.prune(repository, keep, options),
    };
  }

  /** How the service deploys by image: its driver's; DEPLOY_UNSUPPORTED when it runs no containers. */
  images(service: string): ImageReleases {
    const images = this.#handle(service).images();
    if (!images)
      throw new DayshiftError('DEPLOY_UNSUPPORTED', `service ${service} cannot be deployed by image`, {
        hint: 'its driver does not run containers: deploy it by ref with a `repo:` and `steps:` under deploys:, or use the compose or docker driver',
      });
    return images;
  }

  #check(request: DeployRequest): void {
    const definition = this.definition(request.service);
    if (request.action === 'rollback') return;
    if (request.image && request.ref)
      throw new DayshiftError('BAD_REQUEST', `deploy ${request.service} by an image or by a ref, not both`, {
        hint:
          definition.repo !== undefined
            ? `its deploys: entry has repo: ${definition.repo}: give --ref`
            : 'it deploys by image: give --image',
      });
    if (definition.repo !== undefined) {
      if (request.image)
        throw new DayshiftError(
          'DEPLOY_UNSUPPORTED',
          `${request.service} is deployed by git ref, not by image: give --ref <tag|branch|commit>`,
          { hint: `its deploys: entry has repo: ${definition.repo}` },
        );
      if (!request.ref)
        throw new DayshiftError(
          'BAD_REQUEST',
          `${request.service} is deployed by git ref: give --ref <tag|branch|commit>`,
          {
            hint: `its deploys: entry has repo: ${definition.repo}`,
          },
        );
      return;
    }
    // A ref means a commit of a work tree; a service deployed by image has none, and would otherwise
    // be deployed at its `image:` as written, which is not what was asked.
    if (request.ref)
      throw new DayshiftError(
        'DEPLOY_UNSUPPORTED',
        `${request.service} is deployed by image, not by git ref: give --image <ref>`,
        {
          hint: `a deploy by ref needs repo: (a git work tree) under deploys.${request.service}`,
        },
      );
    if (!request.image && !definition.image)
      throw new DayshiftError(
        'BAD_REQUEST',
        `name the image to deploy ${request.service} at: --image <ref>`,
        {
          hint: `for example --image registry.example.com/app:v2, or set image: under deploys.${request.service}`,
        },
      );
    const reference = imageReference(request.image ?? '', definition);
    if (definition.require_digest && !/@sha256:[0-9a-f]{64}$/.test(reference))
      throw new DayshiftError(
        'BAD_REQUEST',
        `${request.service} deploys only by digest, and ${reference} is a tag`,
        {
          hint: 'give --image <repo>@sha256:<digest> (require_digest is set under deploys:)',
        },
      );
    this.images(request.service);
  }
}

function paramsOf(request: DeployRequest): Record<string, string> {
  const out: Record<string, string> = { service: request.service, action: request.action, by: request.by };
  if (request.image) out.image = request.image;
  if (request.ref) out.ref = request.ref;
  if (request.to) out.to = request.to;
  return out;
}
