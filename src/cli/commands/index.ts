import type { Command } from 'commander';

/**
 * One verb of `dayshift`: what `dayshift --help` lists, and the module that defines and runs it. The
 * table is all a start loads besides commander; a verb's module (and everything it imports: the
 * config loader, the store, the server) is imported only when that verb runs or its help is asked for.
 */
export interface Verb {
  name: string;
  /** Its arguments after the name, as `dayshift --help` lists them: `[options] <id>`, or '' for none. */
  usage: string;
  description: string;
  /** Imports the verb's module; what it returns adds the verb's arguments, options, subcommands and action. */
  load: () => Promise<(cmd: Command) => void>;
}

/** Every verb, in the order `dayshift --help` lists them; adding a verb is one file and one entry here. */
export const VERBS: readonly Verb[] = [
  {
    name: 'init',
    usage: '[options]',
    description: 'write a starter dayshift.yaml, with a check for each service of a Compose file here',
    load: async () => (await import('./init.js')).defineInit,
  },
  {
    name: 'validate',
    usage: '',
    description: 'check the stack file and print every error at once (exit 2 when invalid)',
    load: async () => (await import('./validate.js')).defineValidate,
  },
  {
    name: 'schema',
    usage: '',
    description: 'print the JSON Schema of the stack file, for editors',
    load: async () => (await import('./schema.js')).defineSchema,
  },
  {
    name: 'serve',
    usage: '[options]',
    description: 'run the scheduler, the workers and the HTTP API (127.0.0.1:7070 by default)',
    load: async () => (await import('./serve.js')).defineServe,
  },
  {
    name: 'check',
    usage: '[targets...]',
    description: 'run checks now and print a table; exit 1 if any is unhealthy',
    load: async () => (await import('./check.js')).defineCheck,
  },
  {
    name: 'status',
    usage: '[options]',
    description: 'show the current state of every check and its uptime',
    load: async () => (await import('./status.js')).defineStatus,
  },
  {
    name: 'alerts',
    usage: '[options]',
    description: 'list alerts, newest first: open ones and recently resolved',
    load: async () => (await import('./alerts.js')).defineAlerts,
  },
  {
    name: 'ack',
    usage: '[options] <id>',
    description: 'acknowledge an open alert: its reminders stop',
    load: async () => (await import('./alerts.js')).defineAck,
  },
  {
    name: 'silence',
    usage: '[options] [matchers...]',
    description: 'hold back notifications of the alerts matching every matcher, for a while',
    load: async () => (await import('./alerts.js')).defineSilence,
  },
  {
    name: 'incident',
    usage: '[options]',
    description:
      'incidents: open, ack, assign, severity, update, note, resolve, list, show and the post-incident report',
    load: async () => (await import('./incident.js')).defineIncident,
  },
  {
    name: 'oncall',
    usage: '[options]',
    description: 'who is on call now and next for each rotation; `oncall override` for a dated swap',
    load: async () => (await import('./oncall.js')).defineOncall,
  },
  {
    name: 'notify',
    usage: '',
    description: 'notifiers: send a test message',
    load: async () => (await import('./notify.js')).defineNotify,
  },
  {
    name: 'env',
    usage: '',
    description: 'the environment contract',
    load: async () => (await import('./env.js')).defineEnv,
  },
  {
    name: 'run',
    usage: '[options] [runbook]',
    description: 'carry out a runbook here, step by step; `run show <id>` and `run cancel <id>` for a run',
    load: async () => (await import('./run.js')).defineRun,
  },
  {
    name: 'runs',
    usage: '[options]',
    description: 'list runs (runbooks, service actions, backups, drills, smoke suites), newest first',
    load: async () => (await import('./run.js')).defineRuns,
  },
  {
    name: 'approve',
    usage: '<run>',
    description: 'approve the step a run waits on; the run goes on',
    load: async () => (await import('./run.js')).defineApprove,
  },
  {
    name: 'svc',
    usage: '[options] <action> <name>',
    description:
      'act on a service through its driver: status, restart, stop, start, rebuild, redeploy, scale, logs, env',
    load: async () => (await import('./svc.js')).defineSvc,
  },
  {
    name: 'deploy',
    usage: '[options] <service>',
    description:
      'deploy a service at an image digest (or git ref): gates, apply, verify by health and smoke, roll back on failure',
    load: async () => (await import('./deploy.js')).defineDeploy,
  },
  {
    name: 'rollback',
    usage: '[options] <service>',
    description: 'roll a service back to its last known-good release, or the one --to names',
    load: async () => (await import('./deploy.js')).defineRollback,
  },
  {
    name: 'releases',
    usage: '[options] <service>',
    description:
      'list the releases of a service (each deploy and rollback), newest first, with the known-good ones',
    load: async () => (await import('./releases.js')).defineReleases,
  },
  {
    name: 'agent',
    usage: '[options]',
    description:
      'take signed service actions from serve and the CLI, on a unix socket or loopback (the one process holding the Docker socket)',
    load: async () => (await import('./agent.js')).defineAgent,
  },
  {
    name: 'smoke',
    usage: '<suite>',
    description: 'run a smoke suite now; exit 1 if a step fails; the run is recorded',
    load: async () => (await import('./smoke.js')).defineSmoke,
  },
  {
    name: 'backup',
    usage: '',
    description: 'take, list, verify, restore and drill backups',
    load: async () => (await import('./backup.js')).defineBackup,
  },
  {
    name: 'jobs',
    usage: '',
    description: 'look at and act on the durable job queue',
    load: async () => (await import('./jobs.js')).defineJobs,
  },
  {
    name: 'queue',
    usage: '',
    description: 'queue health: jobs per state and kind, oldest waiting job, wait percentiles',
    load: async () => (await import('./queue.js')).defineQueue,
  },
  {
    name: 'token',
    usage: '',
    description: 'manage API tokens',
    load: async () => (await import('./token.js')).defineToken,
  },
  {
    name: 'audit',
    usage: '[options]',
    description: 'the audit log: who did what, to what, and how it ended',
    load: async () => (await import('./audit.js')).defineAudit,
  },
];
