import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { startAgent } from '../../agent/agent-server.js';
import { AGENT_GRANTS, type AgentGrant, DEFAULT_GRANTS } from '../../agent/grants.js';
import { agentAddressOf } from '../../agent/listen-address.js';
import { appendAudit } from '../../audit/audit-log.js';
import { DayshiftError } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { Secret } from '../../schema/secret.js';
import { systemClock } from '../../util/clock.js';
import { configPathOf, openCliStack } from '../context.js';

/** Where the agent listens unless told: a socket beside the stack file's store, for its own user only. */
const DEFAULT_LISTEN = 'unix:.dayshift/agent.sock';
/** Shorter tokens are guessable; `openssl rand -hex 32` gives 64 characters. */
const MIN_TOKEN_LENGTH = 16;

interface AgentFlags {
  listen: string;
  tokenFile?: string;
  allow?: string;
}

/**
 * `dayshift agent`: the one process that holds the Docker socket (or runs systemctl), taking signed,
 * typed actions for the services of its stack file from `serve` and the CLI, on a unix socket or
 * loopback only, until SIGTERM or SIGINT (docs/agent.md).
 */
export function defineAgent(agent: Command): void {
  agent
    .option(
      '--listen <address>',
      `unix:<path> or 127.0.0.1:<port> (default ${DEFAULT_LISTEN}, beside the stack file)`,
      DEFAULT_LISTEN,
    )
    .option('--token-file <file>', 'a file holding the shared token (default: $DAYSHIFT_AGENT_TOKEN)')
    .option(
      '--allow <actions>',
      `the actions it takes, comma-separated, from ${AGENT_GRANTS.join(',')}; deploy takes image deploys (default: ${DEFAULT_GRANTS.join(',')})`,
    )
    .action(async (flags: AgentFlags, cmd: Command) => {
      const token = tokenOf(flags.tokenFile);
      const allow = allowOf(flags.allow);
      // A refused address stops it before anything opens.
      const address = agentAddressOf(flags.listen, path.dirname(path.resolve(configPathOf(cmd))));
      const { config, configPath, store } = await openCliStack(cmd);
      const baseDir = path.dirname(path.resolve(configPath));
      const logger = createLogger({ name: 'dayshift-agent' });
      let running: Awaited<ReturnType<typeof startAgent>>;
      try {
        if ('socketPath' in address && flags.listen === DEFAULT_LISTEN)
          mkdirSync(path.dirname(address.socketPath), { recursive: true, mode: 0o700 });
        running = await startAgent(
          {
            config,
            baseDir,
            token,
            allow,
            audit: (entry) => appendAudit(store.db, entry),
            clock: systemClock,
            logger,
          },
          address,
        );
      } catch (error) {
        await store.close();
        throw error;
      }
      logger.info({ url: running.url, services: Object.keys(config.services), allow }, 'agent listening');
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          logger.info({ signal }, 'agent stopping');
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      await running.close();
      await store.close();
      logger.info('agent stopped');
    });
}

function tokenOf(file: string | undefined): Secret {
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new DayshiftError('BAD_REQUEST', `cannot read the token file ${file}`, {
        hint: 'give a file only the agent can read, holding the token (openssl rand -hex 32)',
        cause: error,
      });
    }
  } else text = process.env.DAYSHIFT_AGENT_TOKEN?.trim();
  if (!text)
    throw new DayshiftError('BAD_REQUEST', 'the agent needs a token to check requests against', {
      hint: 'give --token-file <file> or set $DAYSHIFT_AGENT_TOKEN (openssl rand -hex 32); the services that use the agent name it in `agent: { token }`',
    });
  if (text.length < MIN_TOKEN_LENGTH)
    throw new DayshiftError(
      'BAD_REQUEST',
      `the agent's token is shorter than ${MIN_TOKEN_LENGTH} characters`,
      {
        hint: 'make one with openssl rand -hex 32',
      },
    );
  return new Secret(text);
}

/** The `--allow` list: service actions and `deploy` (image deploys), which only a named `deploy` grants. */
function allowOf(text: string | undefined): AgentGrant[] {
  if (text === undefined) return [...DEFAULT_GRANTS];
  const asked = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const unknown = asked.filter((a) => !(AGENT_GRANTS as readonly string[]).includes(a));
  if (unknown.length > 0 || asked.length === 0)
    throw new DayshiftError(
      'BAD_REQUEST',
      `--allow takes service actions and deploy, not ${unknown.join(', ') || 'nothing'}`,
      {
        hint: `it takes: ${AGENT_GRANTS.join(', ')}`,
      },
    );
  return AGENT_GRANTS.filter((a) => asked.includes(a));
}
