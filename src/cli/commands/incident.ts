import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DayshiftError } from '../../errors.js';
import type { Incident } from '../../incidents/types.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../incidents/types.js';
import { checkItems, checkName, checkText } from '../../util/input-bounds.js';
import { globalOptions, idOf } from '../context.js';
import { printJson } from '../table.js';
import { type IncidentBackend, openBackend } from './incident-backend.js';
import { printChange, printDetail, printList } from './incident-output.js';

/** Text someone wrote: not empty, within the bound every API text has. */
function written(text: string, what: string): string {
  if (text.trim() === '')
    throw new DayshiftError('BAD_REQUEST', `${what} is empty`, { hint: 'say something' });
  return checkText(text, what);
}

function statusOf(text: string | undefined): IncidentStatus | undefined {
  if (text === undefined) return undefined;
  if (!(INCIDENT_STATUSES as readonly string[]).includes(text))
    throw new DayshiftError('BAD_REQUEST', `--status "${text}" is not an incident status`, {
      hint: `use one of ${INCIDENT_STATUSES.join(', ')}`,
    });
  return text as IncidentStatus;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Runs a subcommand's work on the backend the command line names, closing it whatever happens. */
async function withBackend<T>(cmd: Command, work: (backend: IncidentBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend(cmd);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

/** A change: done, then printed as one line (or the incident as JSON). */
function change(
  what: string,
  work: (
    backend: IncidentBackend,
    args: Array<string | undefined>,
    options: Record<string, string>,
  ) => Promise<Incident>,
) {
  return async (...parameters: unknown[]) => {
    const cmd = parameters.at(-1) as Command;
    const options = parameters.at(-2) as Record<string, string>;
    const args = parameters.slice(0, -2) as Array<string | undefined>;
    const incident = await withBackend(cmd, (backend) => work(backend, args, options));
    if (globalOptions(cmd).json) printJson(incident);
    else printChange(incident, what);
  };
}

/**
 * `dayshift incident open|ack|assign|severity|update|note|resolve|list|show|report`: each works on the
 * store here, as the other verbs do, or on a server with `--server URL --token T`.
 */
const incidentId = (text: string) =>
  idOf(text, 'an incident', 'ids are whole numbers, e.g. 12; `dayshift incident list --all` lists them');

export function defineIncident(incident: Command): void {
  incident
    .option('--server <url>', 'act on this Dayshift server instead of the store here')
    .option('--token <token>', 'the API token for --server (default: $DAYSHIFT_TOKEN)');

  incident
    .command('open')
    .description(
      "open an incident: its deadlines start, and its first update goes to the severity's notifiers",
    )
    .requiredOption(
      '--severity <severity>',
      'one of incidents.severities (critical, high, medium, low by default)',
    )
    .requiredOption('--title <title>', 'what is wrong, in a few words')
    .option('--service <service>', 'a service it touches (repeat for more)', collect)
    .option('--impact <text>', 'who or what is affected')
    .option('--eta <text>', 'when it should be fixed')
    .option('--message <text>', 'the first public update (default: the title)')
    .action(
      change('opened', (backend, _args, o) =>
        backend.open({
          title: checkName(o.title as string, '--title'),
          severity: checkName(o.severity as string, '--severity'),
          services: checkItems(
            ((o.service as unknown as string[] | undefined) ?? []).map((s) => checkName(s, '--service')),
            '--service',
          ),
          impact: o.impact === undefined ? undefined : checkText(o.impact, '--impact'),
          eta: o.eta === undefined ? undefined : checkText(o.eta, '--eta'),
          message: o.message === undefined ? undefined : written(o.message, '--message'),
        }),
      ),
    );

  incident
    .command('ack')
    .description('acknowledge: the escalation stops, and you become the assignee if there is none')
    .argument('<id>', 'the incident id')
    .action(change('acknowledged', (backend, [id]) => backend.acknowledge(incidentId(id as string))));

  incident
    .command('assign')
    .description('assign the incident to someone')
    .argument('<id>', 'the incident id')
    .argument('<person>', 'who owns it now')
    .action(
      change('assigned', (backend, [id, person]) =>
        backend.assign(incidentId(id as string), checkName(person as string, 'the person')),
      ),
    );

  incident
    .command('severity')
    .description('change the severity')
    .argument('<id>', 'the incident id')
    .argument('<severity>', 'one of incidents.severities')
    .action(
      change('severity changed', (backend, [id, severity]) =>
        backend.setSeverity(incidentId(id as string), checkName(severity as string, 'the severity')),
      ),
    );

  incident
    .command('update')
    .description("post a public update: on the status page and sent to the incident's notifiers")
    .argument('<id>', 'the incident id')
    .argument('<text>', 'what is known now, what is being done')
    .option('--status <status>', `move it to ${INCIDENT_STATUSES.join(', ')}`)
    .option('--impact <text>', 'who or what is affected now')
    .option('--eta <text>', 'when it should be fixed now')
    .action(
      change('updated', (backend, [id, text], o) =>
        backend.update(incidentId(id as string), {
          text: written(text as string, 'the update'),
          status: statusOf(o.status),
          impact: o.impact === undefined ? undefined : checkText(o.impact, '--impact'),
          eta: o.eta === undefined ? undefined : checkText(o.eta, '--eta'),
        }),
      ),
    );

  incident
    .command('note')
    .description('add an internal note: on the timeline and in the report, never public, never sent')
    .argument('<id>', 'the incident id')
    .argument('<text>', 'the note')
    .action(
      change('noted', (backend, [id, text]) =>
        backend.note(incidentId(id as string), written(text as string, 'the note')),
      ),
    );

  incident
    .command('resolve')
    .description('resolve, with a last public update')
    .argument('<id>', 'the incident id')
    .argument('[text]', 'the last update (default: Resolved.)')
    .action(
      change('resolved', (backend, [id, text]) =>
        backend.resolve(incidentId(id as string), text === undefined ? undefined : written(text, 'the text')),
      ),
    );

  incident
    .command('list')
    .description('incidents, newest first: the open ones, or --resolved, or --all')
    .option('--all', 'open and resolved')
    .option('--resolved', 'only resolved ones')
    .option('--service <service>', 'only those on this service')
    .option('--limit <n>', 'at most this many (1 to 1000)', '100')
    .action(
      async (o: { all?: boolean; resolved?: boolean; service?: string; limit: string }, cmd: Command) => {
        const limit = Number(o.limit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)
          throw new DayshiftError(
            'BAD_REQUEST',
            `--limit must be a whole number from 1 to 1000, got ${o.limit}`,
          );
        const state = o.all ? 'all' : o.resolved ? 'resolved' : 'open';
        const service = o.service === undefined ? undefined : checkName(o.service, '--service');
        const incidents = await withBackend(cmd, (b) => b.list({ state, service, limit }));
        if (globalOptions(cmd).json) return printJson(incidents);
        printList(incidents, state === 'open' ? 'no open incidents' : 'no incidents');
      },
    );

  incident
    .command('show')
    .description(
      'the incident and its whole timeline (internal notes included); --template for its communication',
    )
    .argument('<id>', 'the incident id')
    .option('--template', 'print the communication rendered from the template instead')
    .action(async (id: string, o: { template?: boolean }, cmd: Command) => {
      const detail = await withBackend(cmd, (b) => b.show(incidentId(id)));
      if (globalOptions(cmd).json)
        return printJson(o.template ? { communication: detail.communication } : detail);
      if (o.template) process.stdout.write(`${detail.communication}\n`);
      else printDetail(detail);
    });

  incident
    .command('report')
    .description('the post-incident report as Markdown: summary, impact, timeline, response times, runs')
    .argument('<id>', 'the incident id')
    .option('--output <file>', 'write it to this file instead of printing it')
    .action(async (id: string, o: { output?: string }, cmd: Command) => {
      const report = await withBackend(cmd, (b) => b.report(incidentId(id)));
      if (o.output !== undefined) {
        const file = path.resolve(o.output);
        try {
          writeFileSync(file, report.markdown);
        } catch (error) {
          throw new DayshiftError('BAD_REQUEST', `cannot write the report to ${file}`, {
            hint: 'give a file in a directory that exists and you can write to',
            cause: error,
          });
        }
      }
      if (globalOptions(cmd).json) return printJson({ report: report.figures, markdown: report.markdown });
      if (o.output === undefined) process.stdout.write(report.markdown);
      else process.stdout.write(`wrote the report of incident #${report.figures.id} to ${o.output}\n`);
    });
}
