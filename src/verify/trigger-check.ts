/**
 * Triggers: fdwmig never changes them (migrate keeps them from firing on moved rows with
 * session_replication_role = replica in its own sessions). verify reports what it finds: a
 * trigger enabled on OLD that NEW lacks or has disabled would stop doing its work after the move.
 */
import type { TableModel } from '../introspect/model.js';
import { ident, qualified } from '../sql/quote.js';
import type { Finding } from './report.js';
import { qualifiedName } from '../introspect/model.js';

const STATE: Record<string, string> = {
  O: 'enabled',
  D: 'disabled',
  R: 'enabled for replica only',
  A: 'enabled always',
};

/** Pure: findings for tables present on both sides. */
export function checkTriggers(pairs: readonly { old: TableModel; new: TableModel }[]): Finding[] {
  const out: Finding[] = [];
  for (const p of pairs) {
    const subject = qualifiedName(p.new);
    const onNew = new Map(p.new.triggers.map((t) => [t.name, t]));
    for (const t of p.old.triggers) {
      if (t.enabled === 'D') continue;
      const n = onNew.get(t.name);
      if (!n || n.enabled === 'D' || n.enabled === 'R') {
        out.push({
          severity: 'warning',
          check: 'trigger',
          subject,
          message: `trigger ${t.name} is ${STATE[t.enabled] ?? t.enabled} on OLD but ${n ? STATE[n.enabled] : 'missing'} on NEW`,
          hint: n
            ? `if it should fire on NEW: ALTER TABLE ${qualified(p.new.schema, p.new.name)} ENABLE TRIGGER ${ident(t.name)}`
            : 'create it on NEW if the application relies on it',
        });
      }
    }
    const active = p.new.triggers.filter((t) => t.enabled !== 'D');
    if (active.length) {
      out.push({
        severity: 'info',
        check: 'trigger',
        subject,
        message: `triggers on NEW: ${active.map((t) => `${t.name} (${STATE[t.enabled] ?? t.enabled})`).join(', ')}`,
      });
    }
  }
  return out;
}
