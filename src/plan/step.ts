/** Plans are data: what fdwmig will run, printable by --dry-run before anything changes. */

export interface Step {
  /** Stable id, e.g. `foreign-table:public.orders`; shown in errors. */
  readonly id: string;
  readonly description: string;
  /** Statements run in one transaction, in order. Printable: never holds a secret. */
  readonly sql: readonly string[];
  /** Same as sql but with secrets in place; only the executor reads it. */
  readonly secretSql?: readonly string[];
  /** Parameters of the last statement, when it takes $n values. */
  readonly params?: readonly unknown[];
  /** Takes locks on application tables: run with lock_timeout and retries. */
  readonly takesLocks: boolean;
  /**
   * The tables (schema.name, as a person reads them) whose locks the step waits for: when a try
   * times out, fdwmig names the sessions holding locks on them.
   */
  readonly locks?: readonly string[];
}

export interface Plan {
  readonly title: string;
  readonly steps: readonly Step[];
}

/** Freezes a step so nothing downstream can alter what was printed. */
export function step(s: Step): Step {
  return Object.freeze({
    ...s,
    sql: Object.freeze([...s.sql]),
    ...(s.secretSql ? { secretSql: Object.freeze([...s.secretSql]) } : {}),
    ...(s.params ? { params: Object.freeze([...s.params]) } : {}),
    ...(s.locks ? { locks: Object.freeze([...s.locks]) } : {}),
  });
}

/** Renders a plan as SQL text with comments, for --dry-run. */
export function renderPlan(plan: Plan): string {
  const lines = [`-- ${plan.title}: ${plan.steps.length} step(s)`];
  for (const s of plan.steps) {
    lines.push('', `-- [${s.id}] ${s.description}`);
    for (const stmt of s.sql) lines.push(`${stmt};`);
    if (s.params?.length) lines.push(`--   params: ${JSON.stringify(s.params)}`);
  }
  return lines.join('\n') + '\n';
}
