/**
 * `replicate start`: preflight, then the publication on OLD and the subscription on NEW. With
 * copy-data NEW's table sync copies the rows; with snapshot fdwmig copies them itself from the
 * slot's exported snapshot, in parallel. A failure undoes what was created on OLD.
 */
import type pg from 'pg';
import type { Config } from '../config/schema.js';
import type { PreflightFinding } from '../plan/check-findings.js';
import { withBoth } from '../exec/connections.js';
import { FdwmigError, PreflightError } from '../errors.js';
import { runPlan } from '../exec/run-plan.js';
import { qualifiedName, type TableModel } from '../introspect/model.js';
import { renderPlan } from '../plan/step.js';
import { subscriptionConninfo } from './conninfo.js';
import type { ReplicationDeps } from './deps.js';
import { dropReplicationObjects } from './drop-objects.js';
import { planStart, replicationNames, type CopyMode, type ReplicationNames } from './plan-replication.js';
import { runReplicationPreflight } from './read-facts.js';
import {
  copyFromSnapshot,
  copyStatements,
  createExportedSlot,
  createSlotCommand,
  type TableCopyResult,
} from './snapshot-copy.js';

export interface StartResult {
  mode: CopyMode;
  tables: string[];
  findings: PreflightFinding[];
  planText: string;
  applied: boolean;
  /** --snapshot: each table's copy. */
  copies: TableCopyResult[];
  /** --snapshot: where the slot starts. */
  consistentPoint: string | null;
}

/** Problems first, each with its hint, as one message. */
export function formatFindings(findings: readonly PreflightFinding[]): string {
  return findings
    .map(
      (f) =>
        `  ${f.severity === 'error' ? 'x' : f.severity === 'warning' ? '!' : '-'} ${f.subject}: ${f.message}${f.hint ? `\n      hint: ${f.hint}` : ''}`,
    )
    .join('\n');
}

function renderStartPlan(
  config: Config,
  names: ReplicationNames,
  tables: readonly TableModel[],
  mode: CopyMode,
): string {
  const plan = planStart(names, tables, subscriptionConninfo(config.oldUrl), mode);
  const parts = [renderPlan(plan.old)];
  if (mode === 'snapshot') {
    parts.push(
      [
        `-- OLD, over a replication connection kept open until every table is copied:`,
        `${createSlotCommand(names)};`,
        `-- then, ${config.concurrency} at a time, each in a transaction on the exported snapshot (SET TRANSACTION SNAPSHOT):`,
        ...tables.map((t) => {
          const s = copyStatements(t);
          return `--   ${s.out}  ->  NEW: ${s.into}`;
        }),
        '',
      ].join('\n'),
    );
  }
  parts.push(renderPlan(plan.new));
  return parts.join('\n');
}

async function copySnapshot(
  config: Config,
  deps: ReplicationDeps,
  names: ReplicationNames,
  tables: TableModel[],
): Promise<{ copies: TableCopyResult[]; consistentPoint: string }> {
  const slot = await createExportedSlot(config.oldUrl, names);
  deps.log({
    level: 'info',
    message: `slot ${names.slot} created at ${slot.consistentPoint}; copying ${tables.length} table(s) from its snapshot, ${config.concurrency} at a time`,
  });
  try {
    const copies = await copyFromSnapshot({
      oldUrl: config.oldUrl,
      newUrl: config.newUrl,
      snapshotName: slot.snapshotName,
      tables,
      concurrency: config.concurrency,
      connect: deps.connect,
      now: deps.now,
      onTable: (r) =>
        deps.log({
          level: 'info',
          message: `${r.table}: ${r.rows} rows copied in ${r.seconds.toFixed(1)} s`,
          data: { ...r },
        }),
    });
    const bad = copies.filter((c) => c.status !== 'copied');
    if (bad.length) {
      const lines = bad.map((c) => `  ${c.table}: ${c.status}${c.error ? ` (${c.error})` : ''}`).join('\n');
      throw new FdwmigError(`the snapshot copy failed; nothing was kept on NEW:\n${lines}`, {
        code: 'COPY',
        exitCode: 1,
        hint: 'fix the cause named above and run replicate start again (the slot and publication were removed)',
      });
    }
    return { copies, consistentPoint: slot.consistentPoint };
  } finally {
    await slot.close();
  }
}

async function undoOnOld(
  oldDb: pg.Client,
  config: Config,
  deps: ReplicationDeps,
  names: ReplicationNames,
): Promise<void> {
  try {
    await dropReplicationObjects(oldDb, null, names, config, deps);
  } catch (err) {
    deps.log({
      level: 'warn',
      message: `could not remove the publication and slot on OLD after the failure (${(err as Error).message}); run fdwmig replicate cleanup`,
    });
  }
}

/** Runs `replicate start`. With dryRun, preflight and the plan only. */
export async function runReplicateStart(config: Config, mode: CopyMode, deps: ReplicationDeps): Promise<StartResult> {
  const names = replicationNames(config);
  const conninfo = subscriptionConninfo(config.oldUrl);
  return withBoth(deps, config, async (oldDb, newDb) => {
    const pre = await runReplicationPreflight(config, mode, oldDb, newDb, names, conninfo);
    const errors = pre.findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      throw new PreflightError(
        `${errors.length} problem(s) prevent replicate start; nothing was changed:\n${formatFindings(errors)}`,
        {
          hint: 'fix each problem marked x, then run fdwmig replicate start again',
        },
      );
    }
    for (const f of pre.findings.filter((x) => x.severity === 'warning'))
      deps.log({ level: 'warn', message: `${f.subject}: ${f.message}` });
    const planText = renderStartPlan(config, names, pre.tables, mode);
    const base = {
      mode,
      tables: pre.tables.map(qualifiedName),
      findings: pre.findings,
      planText,
      copies: [],
      consistentPoint: null,
    };
    if (config.dryRun) return { ...base, applied: false };
    const plan = planStart(names, pre.tables, conninfo, mode);
    const runOpts = { lockTimeoutMs: config.lockTimeoutMs, retryForMs: config.lockRetryMs, retries: config.ddlRetries };
    let copied: { copies: TableCopyResult[]; consistentPoint: string } | null = null;
    try {
      await runPlan(oldDb, plan.old, runOpts);
      if (mode === 'snapshot') copied = await copySnapshot(config, deps, names, pre.tables);
      await runPlan(newDb, plan.new, runOpts);
    } catch (err) {
      await undoOnOld(oldDb, config, deps, names);
      if (copied) {
        deps.log({
          level: 'warn',
          message: `NEW's tables keep the rows copied from the snapshot: TRUNCATE them on NEW before starting again (${pre.tables.map(qualifiedName).join(', ')})`,
        });
      }
      throw err;
    }
    deps.log({
      level: 'info',
      message: `replicating ${pre.tables.length} table(s) from OLD to NEW (${mode}); watch it with fdwmig replicate status`,
    });
    return { ...base, applied: true, copies: copied?.copies ?? [], consistentPoint: copied?.consistentPoint ?? null };
  });
}
