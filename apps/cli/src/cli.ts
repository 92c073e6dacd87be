import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from './vendor/commander.js';
// Only what every command needs: `--version` and `--help` must not load @sluice/core.
import { ExitError, EXIT_USAGE } from './exit.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return parsed;
}

const configOption = (): Option => new Option('-c, --config <file>', 'pipeline config file').default('./config.yaml');
const logLevelOption = (): Option =>
  new Option('--log-level <level>', 'log level (overrides settings.log_level)').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Builds the program; each command's module is imported only when it runs. */
export function createProgram(): Command {
  const program = new Command('sluice')
    .description('Read records, keep the ones that cross your thresholds, deliver them anywhere.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('run the pipeline once, or continuously on an interval')
    .addOption(configOption())
    .option('--continuous', 'keep running, one run every --interval seconds')
    .option('--interval <seconds>', 'seconds between run starts in continuous mode', seconds, 60)
    .addOption(logLevelOption())
    .addOption(new Option('--summary <format>', 'run summary: table on stderr, json on stdout, or none').choices(['table', 'json', 'none']).default('table'))
    .option('--explain', 'print what each source will run (e.g. SQL with push-down) and exit')
    .action(async (options) => {
      const { run } = await import('./commands/run.js');
      process.exitCode = await run(options);
    });

  program
    .command('validate')
    .description('validate the config and report every error with its line; connects to nothing')
    .addOption(configOption())
    .action(async (options) => {
      const { validate } = await import('./commands/validate.js');
      process.exitCode = await validate(options);
    });

  program
    .command('check')
    .description('test the connection of every datasource and export target')
    .addOption(configOption())
    .addOption(logLevelOption())
    .action(async (options) => {
      const { check } = await import('./commands/check.js');
      process.exitCode = await check(options);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the config (core and every installed connector)')
    .action(async () => {
      const { schema } = await import('./commands/schema.js');
      process.exitCode = await schema();
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof ExitError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    // A connector refusing its options when the pipeline is built names the place itself: the stack helps nobody.
    if (error instanceof Error && error.name === 'ConnectorError') {
      process.stderr.write(`sluice: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`sluice: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
