/** What the replicate subcommands share: the object-name options and their dependencies. */
import type { Command } from 'commander';
import { realClock, type ReplicationDeps } from '../../replication/deps.js';
import type { CliIo } from '../context.js';
import { cliDeps } from '../deps.js';
import { describeWithDefault } from '../options.js';

/** The CLI's dependencies plus a real clock. Verify is added by the switchover command. */
export function replicationDeps(io: CliIo, json: boolean): ReplicationDeps {
  return { ...cliDeps(io, json), ...realClock };
}

/** --publication-name, --subscription-name, --slot-name (config keys of the same names). */
export function addNameOptions(command: Command): Command {
  return command
    .option('--publication-name <name>', describeWithDefault('publication on OLD', 'publicationName'))
    .option('--subscription-name <name>', describeWithDefault('subscription on NEW', 'subscriptionName'))
    .option('--slot-name <name>', describeWithDefault('replication slot on OLD (unique per OLD server)', 'slotName'));
}
