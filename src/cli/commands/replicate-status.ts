/** `fdwmig replicate status`: per table sync state and the lag; a live view on a terminal. */
import type { Command } from 'commander';
import { redactSecrets } from '../../config/url.js';
import { realClock } from '../../replication/deps.js';
import { runReplicateStatus, watchReplicateStatus, type ReplicationStatus } from '../../replication/status.js';
import type { CliContext } from '../context.js';
import { cliDeps } from '../deps.js';
import { parsePositiveInt } from '../options.js';
import { addNameOptions } from './replicate-options.js';

const HELP = `
Lag in bytes: OLD's current WAL position minus the slot's confirmed flush position (what NEW
has applied and flushed). Lag in time: 0 when caught up, else how long ago NEW last confirmed a
position. On a terminal the view refreshes until Ctrl-C; otherwise (or with --json) it prints once.

Examples:
  $ fdwmig replicate status
  $ fdwmig replicate status --json
`;

/** Bytes for a person: 0 B, 12.3 kB, 4.0 MB. */
export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function renderStatus(s: ReplicationStatus): string {
  const lines = [s.phaseText];
  if (s.slot || s.subscription) {
    const time = s.lagSeconds === null ? '?' : `${Math.max(0, s.lagSeconds).toFixed(1)} s`;
    lines.push(`lag: ${formatBytes(s.lagBytes)} (${s.lagBytes ?? '?'} bytes), ${time}`);
    if (s.slot)
      lines.push(
        `OLD: slot ${s.slot.active ? 'in use' : 'idle'}, at ${s.slot.currentLsn}, NEW confirmed ${s.slot.confirmedFlushLsn ?? '-'}`,
      );
    if (s.subscription) {
      const age =
        s.subscription.lastMessageAgeS === null
          ? ''
          : `, last message from OLD ${Math.max(0, s.subscription.lastMessageAgeS).toFixed(1)} s ago`;
      lines.push(
        `NEW: subscription ${s.subscription.enabled ? 'enabled' : 'disabled'}, apply worker ${s.subscription.workerRunning ? 'running' : 'not running'}${age}`,
      );
    }
  }
  for (const t of s.tables) lines.push(`  ${t.state.padEnd(8)} ${t.table}`);
  return `${redactSecrets(lines.join('\n'))}\n`;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

export function registerReplicateStatus(group: Command, ctx: CliContext): void {
  const status = group
    .command('status')
    .description('per table sync state and replication lag (live on a terminal)')
    .option(
      '--interval <s>',
      'seconds between refreshes of the live view (default: 1)',
      parsePositiveInt('--interval'),
    );
  addNameOptions(status)
    .addHelpText('after', HELP)
    .action(async (opts: { interval?: number }, cmd: Command) => {
      const config = await ctx.loadConfig(cmd);
      const deps = cliDeps(ctx.io, config.json);
      if (config.json || !ctx.io.isTTY) {
        const s = await runReplicateStatus(config, deps);
        ctx.io.stdout(config.json ? `${JSON.stringify(s)}\n` : renderStatus(s));
        return;
      }
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.on('SIGINT', onSigint);
      try {
        await watchReplicateStatus(
          config,
          { ...deps, sleep: realClock.sleep },
          (s) => {
            ctx.io.stdout(
              `${CLEAR_SCREEN}fdwmig replicate status (every ${opts.interval ?? 1} s, Ctrl-C to quit)\n\n${renderStatus(s)}`,
            );
          },
          stop.signal,
          (opts.interval ?? 1) * 1000,
        );
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
