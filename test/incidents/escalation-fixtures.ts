import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { StackConfig } from '../../src/config/schema.js';
import { type DeadlineContext, deadlineJobKind } from '../../src/incidents/deadline-job.js';
import type { OnCallLookup } from '../../src/incidents/escalation.js';
import { DEADLINE_KIND, Incidents } from '../../src/incidents/incidents.js';
import { INCIDENT_MESSAGE_KIND, incidentMessageKind } from '../../src/incidents/notify-job.js';
import { readTimeline } from '../../src/incidents/records.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { Worker } from '../../src/jobs/worker.js';
import type { Store } from '../../src/store/index.js';
import type { Clock } from '../../src/util/clock.js';
import { until, within } from '../helpers/wait.js';

export const MIN = 60_000;

/**
 * Runbook 002's severities table as the stack file says it: critical pages the VP of engineering
 * (a webhook) and the CTO (email), high the engineering lead, medium the team lead, low nobody.
 */
export function runbook002Yaml(hookUrl: string, smtpPort: number, extra = ''): string {
  return `version: 1
services:
  web: { checks: { health: { http: { url: "http://127.0.0.1:9/" } } } }
  db: { checks: { up: { tcp: { host: 127.0.0.1, port: 9 } } } }
notifiers:
  vp-eng-hook: { webhook: { url: "${hookUrl}/vp-eng" } }
  cto-mail: { email: { smtp: "smtp://127.0.0.1:${smtpPort}", from: "dayshift@example.com", to: [cto@example.com] } }
  lead-hook: { webhook: { url: "${hookUrl}/eng-lead" } }
  team-hook: { webhook: { url: "${hookUrl}/team-lead" } }
people:
  vp-eng: { name: VP Engineering, notify: [vp-eng-hook] }
  cto: { name: CTO, notify: [cto-mail] }
  eng-lead: { notify: [lead-hook] }
  team-lead: { notify: [team-hook] }
incidents:
  open_on: [ { severity: critical } ]
  severities:
    critical: { respond_within: 15m, escalate: [vp-eng, cto] }
    high:     { respond_within: 1h,  escalate: [eng-lead] }
    medium:   { respond_within: 4h,  escalate: [team-lead] }
    low:      { respond_within: 24h }
${extra}`;
}

/** One mail as the SMTP server received it. */
export interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback, without TLS or auth, that keeps what it receives. */
export async function startMailSink(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One node's incidents as the feature wires them, with its own queue and worker on a store: the
 * deadline and message job kinds, on the test's clock. `settle()` runs every job due now to its end.
 */
export class IncidentNode {
  readonly incidents: Incidents;
  readonly queue: JobQueue;
  readonly worker: Worker;
  /** What this node's deadline jobs run with, to run one by hand. */
  readonly deadlines: DeadlineContext;
  /** The worker's background failures: a test expects none. */
  readonly errors: Error[] = [];
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, config: StackConfig, clock: Clock, onCall: OnCallLookup = async () => undefined) {
    this.#store = store;
    this.#clock = clock;
    this.queue = new JobQueue(store, { clock });
    this.deadlines = { store, queue: this.queue, clock, config: () => config, onCall };
    const kinds = [
      deadlineJobKind(this.deadlines),
      incidentMessageKind({ db: store.db, config, baseDir: process.cwd(), clock }),
    ];
    this.queue.addKinds(kinds);
    this.incidents = new Incidents({ store, queue: this.queue, clock, config });
    this.worker = new Worker(this.queue, kinds, { clock, pollMs: 10, random: () => 0 });
    this.worker.on('error', (error: Error) => this.errors.push(error));
    this.worker.start();
  }

  /** Incident jobs due now and not finished. */
  async pending(): Promise<number> {
    const row = await this.#store.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', 'in', [DEADLINE_KIND, INCIDENT_MESSAGE_KIND])
      .where('status', 'in', ['queued', 'running'])
      .where('run_at', '<=', this.#clock.now())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Waits until no incident job due now is queued or running, on any node of the store. */
  async settle(): Promise<void> {
    await until(async () => {
      await within(this.worker.whenIdle(), 'the worker to be idle');
      return (await this.pending()) === 0 ? true : undefined;
    }, 'no incident job due now to be queued or running');
  }

  timeline(id: number): Promise<IncidentEvent[]> {
    return readTimeline(this.#store.db, id);
  }

  async stop(): Promise<void> {
    await this.worker.stop({ deadlineMs: 5_000 });
  }
}
