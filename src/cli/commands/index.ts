/**
 * Every CLI command, in the order `fdwmig --help` lists them.
 */
import type { CommandModule } from '../context.js';
import { checkCommand } from './check.js';
import { cleanupCommand } from './cleanup.js';
import { configShowCommand } from './config-show.js';
import { finalizeCommand } from './finalize.js';
import { guardCommand } from './guard.js';
import { initNewCommand } from './init-new.js';
import { migrateCommand } from './migrate.js';
import { replicateCommand } from './replicate.js';
import { sequencesCommand } from './sequences.js';
import { statusCommand } from './status.js';
import { verifyCommand } from './verify.js';

export type { CliContext, CliIo, CommandModule } from '../context.js';

export const commands: CommandModule[] = [
  checkCommand,
  initNewCommand,
  migrateCommand,
  statusCommand,
  verifyCommand,
  finalizeCommand,
  guardCommand,
  sequencesCommand,
  cleanupCommand,
  replicateCommand,
  configShowCommand,
];
