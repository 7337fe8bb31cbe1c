/** `seclog token create`: an API token for the HTTP API, printed once and stored only as a hash. */
import type { Role } from '@seclog/collector';
import { createApiToken, ROLES } from '@seclog/collector';
import type { Command } from 'commander';
import { DATA_OPTION, DB_OPTION, withDataDir } from './device.js';

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('API tokens (works on the data directory)');
  token
    .command('create')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--json', 'print JSON')
    .option(...DATA_OPTION)
    .option(...DB_OPTION)
    .description('create an API token; it is printed once')
    .action(async (opts: { role: string; name: string; json?: boolean; data?: string; db?: string }) => {
      await withDataDir(
        'token create',
        opts.data,
        (dd) => {
          const { id, token: secret } = createApiToken(dd.enrol, opts.role as Role, opts.name);
          if (opts.json) process.stdout.write(`${JSON.stringify({ id, role: opts.role, name: opts.name, token: secret })}\n`);
          else process.stdout.write(`${secret}\n`);
        },
        opts.db,
      );
    });
}
