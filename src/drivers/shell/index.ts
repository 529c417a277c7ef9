import { lazyControl } from '../shared/lazy-control.js';
import type { DriverDefinition, Refusal, ServiceAction, ServiceControl } from '../types.js';
import { options, type ShellOptions } from './options.js';

/** The actions a command is given for, and those a pidfile or log file stands in for. */
function supports(o: ShellOptions): readonly ServiceAction[] {
  const out: ServiceAction[] = [];
  const stop = o.stop !== undefined || o.pidfile !== undefined;
  if (o.status !== undefined || o.pidfile !== undefined) out.push('status');
  if (o.restart !== undefined || (o.start !== undefined && stop)) out.push('restart');
  if (stop) out.push('stop');
  if (o.start !== undefined) out.push('start');
  if (o.rebuild !== undefined) out.push('rebuild');
  if (o.redeploy !== undefined) out.push('redeploy');
  if (o.scale !== undefined) out.push('scale');
  if (o.logs !== undefined || o.log_file !== undefined) out.push('logs');
  if (o.env !== undefined) out.push('env');
  return out;
}

const NEEDS: Record<ServiceAction, string> = {
  status: 'a `status:` command or a `pidfile:`',
  restart: 'a `restart:` command, or `start:` with `stop:` or `pidfile:`',
  stop: 'a `stop:` command or a `pidfile:`',
  start: 'a `start:` command',
  rebuild: 'a `rebuild:` command',
  redeploy: 'a `redeploy:` command',
  scale: 'a `scale:` command (it gets $DAYSHIFT_REPLICAS)',
  logs: 'a `logs:` command or a `log_file:`',
  env: 'an `env:` command that prints NAME=value lines',
};

/** Commands you give for each action (supervisor, a platform CLI); an action without one is not available. */
export const shellDriver = {
  kind: 'shell',
  description: 'commands you give for each action; an action without a command is not available',
  options,
  supports,
  refusal: (service: string, action: ServiceAction, o: ShellOptions): Refusal => ({
    message: `service \`${service}\` (shell driver) has no command for \`${action}\``,
    hint: `add ${NEEDS[action]} under its \`shell:\` driver; it can now: ${supports(o).join(', ') || 'nothing'}`,
  }),
  open: (target, o): ServiceControl => {
    // The machinery is loaded on first use, so reading the stack file does not pay for it.
    return lazyControl(() => import('./control.js').then((m) => m.shellControl(target, o)));
  },
} satisfies DriverDefinition<ShellOptions>;
