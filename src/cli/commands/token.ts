import type { Command } from 'commander';
import { TokenService } from '../../access/tokens.js';
import { cliAudited } from '../audited.js';
import { globalOptions, openCliStore } from '../context.js';
import { formatTime, printTable } from '../table.js';

/** `dayshift token create|list|revoke`: API tokens, stored hashed, shown once. */
export function defineToken(token: Command): void {
  token
    .command('create')
    .description('create a token and print it once')
    .requiredOption('--role <role>', 'viewer, operator or admin')
    .requiredOption('--name <name>', 'who or what will use it')
    .action(async (options: { role: string; name: string }, cmd: Command) => {
      const store = await openCliStore(cmd);
      try {
        const { token: value, record } = await cliAudited(
          store,
          { action: 'token.create', target: options.name, params: { role: options.role } },
          () => new TokenService(store).create(options),
        );
        if (globalOptions(cmd).json) {
          process.stdout.write(`${JSON.stringify({ token: value, record })}\n`);
        } else {
          process.stdout.write(`${value}\n`);
          process.stderr.write(
            `token "${record.name}" (${record.role}) created. This is the only time it is shown; keep it somewhere safe.\n`,
          );
        }
      } finally {
        await store.close();
      }
    });

  token
    .command('list')
    .description('list tokens (never their values)')
    .action(async (_options: unknown, cmd: Command) => {
      const store = await openCliStore(cmd);
      try {
        const records = await new TokenService(store).list();
        if (globalOptions(cmd).json) {
          process.stdout.write(`${JSON.stringify(records)}\n`);
          return;
        }
        printTable(
          ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
          records.map((r) => [
            String(r.id),
            r.name,
            r.role,
            `${r.prefix}…`,
            formatTime(r.createdAt),
            formatTime(r.lastUsedAt),
            formatTime(r.revokedAt),
          ]),
        );
      } finally {
        await store.close();
      }
    });

  token
    .command('revoke <nameOrId>')
    .description('revoke a token; requests with it get 401 from then on')
    .action(async (nameOrId: string, _options: unknown, cmd: Command) => {
      const store = await openCliStore(cmd);
      try {
        const record = await cliAudited(store, { action: 'token.revoke', target: nameOrId }, () =>
          new TokenService(store).revoke(nameOrId),
        );
        if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(record)}\n`);
        else process.stdout.write(`revoked token "${record.name}"\n`);
      } finally {
        await store.close();
      }
    });
}
