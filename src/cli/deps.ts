/** Builds the injected dependencies of the commands' functions for a CLI run. */
import { redactSecrets } from '../config/url.js';
import type { Deps } from '../exec/connections.js';
import { connect } from '../exec/connections.js';
import { dumpSchema } from '../exec/pg-dump.js';
import type { CliIo } from './context.js';

/** Progress goes to stderr as text, or to stdout as JSON lines with --json. */
export function cliDeps(io: CliIo, json: boolean): Deps {
  return {
    connect,
    dumpSchema,
    log: (event) => {
      if (json) io.stdout(`${redactSecrets(JSON.stringify({ event: 'log', ...event }))}\n`);
      else io.stderr(redactSecrets(`${event.level === 'warn' ? 'warning: ' : ''}${event.message}\n`));
    },
  };
}
