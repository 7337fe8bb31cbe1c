/** The `seclog` command tree. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './commands/check.js';
import { registerConvertCommand } from './commands/convert.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDeviceCommand } from './commands/device.js';
import { registerDocsCommand } from './commands/docs.js';
import { registerEventsCommand } from './commands/events.js';
import { registerExportCommand } from './commands/export.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerQueryCommand } from './commands/query.js';
import { registerRetentionCommand } from './commands/retention.js';
import { registerReviewCommand } from './commands/review.js';
import { registerRulesCommand } from './commands/rules.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTailCommand } from './commands/tail.js';
import { registerTokenCommand } from './commands/token.js';
import { registerUserCommand } from './commands/user.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerVerifyCommand } from './commands/verify.js';
import { EXIT } from './exit-codes.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = manifest.version;

export function createProgram(): Command {
  const program = new Command('seclog')
    .description('security logging and monitoring for connected products')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerDemoCommand(program);
  registerDeviceCommand(program);
  registerTokenCommand(program);
  registerUserCommand(program);
  registerCheckCommand(program);
  registerReviewCommand(program);
  registerRetentionCommand(program);
  registerDocsCommand(program);
  registerEventsCommand(program);
  registerQueryCommand(program);
  registerTailCommand(program);
  registerExportCommand(program);
  registerVerifyCommand(program);
  registerMigrateCommand(program);
  registerValidateCommand(program);
  registerConvertCommand(program);
  registerRulesCommand(program);
  program.addHelpText('after', '\nExit codes: 0 ok, 1 check failed or integrity violation, 2 usage or I/O error.\nDocs: docs/README.md');
  return program;
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`seclog: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
