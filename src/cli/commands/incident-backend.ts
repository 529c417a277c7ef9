import type { Command } from 'commander';
import { cliUser } from '../../audit/index.js';
import { type IncidentDetail, incidentDetail, reportOf } from '../../incidents/detail.js';
import { Incidents, type ListFilter, type OpenInput } from '../../incidents/incidents.js';
import type { IncidentReport, ReportFigures } from '../../incidents/report.js';
import type { Incident, IncidentStatus } from '../../incidents/types.js';
import { JobQueue } from '../../jobs/queue.js';
import { systemClock } from '../../util/clock.js';
import { apiRequest, type Remote, remoteOf } from '../api-client.js';
import { cliAudited } from '../audited.js';
import { openCliStack } from '../context.js';

export interface UpdateInput {
  text: string;
  status?: IncidentStatus;
  impact?: string;
  eta?: string;
}

/**
 * What `dayshift incident` does, here against the store or on a server: each subcommand is written
 * once over this. Local changes are audited as the CLI's (`cli:<user>@<host>`); remote ones by the
 * server, as the token's.
 */
export interface IncidentBackend {
  open(input: Omit<OpenInput, 'actor'>): Promise<Incident>;
  acknowledge(id: number): Promise<Incident>;
  assign(id: number, person: string): Promise<Incident>;
  setSeverity(id: number, severity: string): Promise<Incident>;
  update(id: number, input: UpdateInput): Promise<Incident>;
  note(id: number, text: string): Promise<Incident>;
  resolve(id: number, text?: string): Promise<Incident>;
  list(filter: ListFilter): Promise<Incident[]>;
  show(id: number): Promise<IncidentDetail>;
  report(id: number): Promise<IncidentReport>;
  close(): Promise<void>;
}

/** The backend the command line asks for: `--server` (with `--token`), else the store here. */
export async function openBackend(cmd: Command): Promise<IncidentBackend> {
  const remote = remoteOf(cmd.optsWithGlobals<{ server?: string; token?: string }>());
  return remote ? remoteBackend(remote) : localBackend(cmd);
}

async function localBackend(cmd: Command): Promise<IncidentBackend> {
  const { config, store } = await openCliStack(cmd);
  // Deadlines and messages are queued in the store; a serving node runs them.
  const queue = new JobQueue(store, { clock: systemClock });
  const incidents = new Incidents({ store, queue, clock: systemClock, config });
  const actor = `cli:${cliUser()}`;
  const change = (
    action: string,
    id: number,
    params: Record<string, unknown>,
    work: () => Promise<Incident>,
  ) => cliAudited(store, { action, target: String(id), params }, work);
  return {
    open: (input) =>
      cliAudited(
        store,
        { action: 'incident.open', params: { ...input } },
        () => incidents.open({ ...input, actor }),
        (incident) => ({ target: String(incident.id) }),
      ),
    acknowledge: (id) => change('incident.ack', id, {}, () => incidents.acknowledge(id, actor)),
    assign: (id, person) =>
      change('incident.assign', id, { person }, () => incidents.assign(id, person, actor)),
    setSeverity: (id, severity) =>
      change('incident.severity', id, { severity }, () => incidents.setSeverity(id, severity, actor)),
    update: (id, input) =>
      change('incident.update', id, { ...input }, () => incidents.update(id, { ...input, actor })),
    note: (id, text) => change('incident.note', id, { text }, () => incidents.note(id, text, actor)),
    resolve: (id, text) =>
      change('incident.resolve', id, { text }, () => incidents.resolve(id, { text, actor })),
    list: (filter) => incidents.list(filter),
    show: (id) => incidentDetail(incidents, id),
    report: (id) => reportOf(incidents, id),
    close: () => store.close(),
  };
}

function remoteBackend(remote: Remote): IncidentBackend {
  const post = async (path: string, body?: unknown): Promise<Incident> =>
    (
      (await apiRequest(remote, 'POST', `/api/v1/incidents${path}`, { body: body ?? {} })) as {
        incident: Incident;
      }
    ).incident;
  return {
    open: (input) => post('', input),
    acknowledge: (id) => post(`/${id}/ack`),
    assign: (id, person) => post(`/${id}/assign`, { person }),
    setSeverity: (id, severity) => post(`/${id}/severity`, { severity }),
    update: (id, input) => post(`/${id}/updates`, input),
    note: (id, text) => post(`/${id}/notes`, { text }),
    resolve: (id, text) => post(`/${id}/resolve`, text === undefined ? {} : { text }),
    async list(filter) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter))
        if (value !== undefined) query.set(key, String(value));
      const answer = (await apiRequest(remote, 'GET', `/api/v1/incidents?${query}`)) as {
        incidents: Incident[];
      };
      return answer.incidents;
    },
    show: async (id) => (await apiRequest(remote, 'GET', `/api/v1/incidents/${id}`)) as IncidentDetail,
    async report(id) {
      const markdown = (await apiRequest(remote, 'GET', `/api/v1/incidents/${id}/report`, {
        accept: 'text',
      })) as string;
      const figures = (
        (await apiRequest(remote, 'GET', `/api/v1/incidents/${id}/report?format=json`)) as {
          report: ReportFigures;
        }
      ).report;
      return { markdown, figures };
    },
    close: async () => {},
  };
}
