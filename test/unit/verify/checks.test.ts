import { describe, expect, it } from 'vitest';
import { checkRestoredFk } from '../../../src/verify/fk-check.js';
import { pairPool } from '../../../src/verify/pair-pool.js';
import type { RecordedFk } from '../../../src/state/records.js';
import { describePhase, detectPhase, type PhaseFacts } from '../../../src/verify/report.js';
import { checkSequence } from '../../../src/verify/sequence-check.js';
import { checkTriggers } from '../../../src/verify/trigger-check.js';
import { sequence, table } from '../support/models.js';

describe('detectPhase', () => {
  const facts = (over: Partial<PhaseFacts>): PhaseFacts => ({
    recorded: true,
    initCompleted: true,
    rowsOnOld: 0,
    openBatches: 0,
    unrestoredFks: 0,
    ...over,
  });
  it('names each phase', () => {
    expect(detectPhase(facts({ recorded: false, initCompleted: false }))).toBe('not-initialized');
    expect(detectPhase(facts({ initCompleted: false }))).toBe('not-initialized');
    expect(describePhase('not-initialized', facts({ initCompleted: false }))).toContain('did not finish');
    expect(detectPhase(facts({ rowsOnOld: 3, unrestoredFks: 2 }))).toBe('moving');
    expect(detectPhase(facts({ openBatches: 1 }))).toBe('moving');
    expect(describePhase('moving', facts({ rowsOnOld: 3, openBatches: 1 }))).toBe(
      'moving: 3 row(s) still on OLD, 1 batch(es) copied and not finished (run fdwmig migrate)',
    );
    expect(detectPhase(facts({ unrestoredFks: 2 }))).toBe('moved-fks-off');
    expect(detectPhase(facts({}))).toBe('finalized');
  });
});

describe('checkSequence', () => {
  const owner = { schema: 'Sales Dept', table: 'Order "X"', column: 'id' };
  const seq = sequence('Sales Dept', 'Order "X"_id_seq', { owner });

  it("passes a sequence past the largest key and OLD's last value", () => {
    expect(checkSequence({ seq, next: 101n, extremeKey: 100n, old: { name: 'x', lastValue: 100n } })).toEqual([]);
  });

  it("reports a next value at or below the largest key, and below OLD's, with a setval hint", () => {
    const f = checkSequence({
      seq,
      next: 100n,
      extremeKey: 100n,
      old: { name: 'Sales Dept.Order "X"_id_seq', lastValue: 150n },
    });
    expect(f.map((x) => x.message)).toEqual([
      'next value 100 is not past the largest Sales Dept.Order "X".id (100): new rows will collide',
      'next value 100 is not past OLD\'s Sales Dept.Order "X"_id_seq (last value 150)',
    ]);
    expect(f[1]!.hint).toBe(
      `run fdwmig sequences sync, or on NEW: SELECT setval('"Sales Dept"."Order ""X""_id_seq"', 10150)`,
    );
  });

  it('reads a descending sequence the other way', () => {
    const down = sequence('public', 'down', { owner: { schema: 'public', table: 't', column: 'id' }, increment: -1 });
    expect(checkSequence({ seq: down, next: -101n, extremeKey: -100n, old: null })).toEqual([]);
    expect(checkSequence({ seq: down, next: -100n, extremeKey: -100n, old: null })[0]!.message).toContain('smallest');
  });
});

describe('checkTriggers', () => {
  const trig = (name: string, enabled: string) => ({ name, enabled, definition: '', events: ['INSERT'] });
  it("warns about OLD triggers missing or off on NEW, and lists NEW's", () => {
    const f = checkTriggers([
      {
        old: table('public', 'select', { triggers: [trig('a"b', 'O'), trig('gone', 'O'), trig('off', 'D')] }),
        new: table('public', 'select', { triggers: [trig('a"b', 'D'), trig('mine', 'A')] }),
      },
    ]);
    expect(f).toEqual([
      {
        severity: 'warning',
        check: 'trigger',
        subject: 'public.select',
        message: 'trigger a"b is enabled on OLD but disabled on NEW',
        hint: 'if it should fire on NEW: ALTER TABLE "public"."select" ENABLE TRIGGER "a""b"',
      },
      {
        severity: 'warning',
        check: 'trigger',
        subject: 'public.select',
        message: 'trigger gone is enabled on OLD but missing on NEW',
        hint: 'create it on NEW if the application relies on it',
      },
      {
        severity: 'info',
        check: 'trigger',
        subject: 'public.select',
        message: 'triggers on NEW: mine (enabled always)',
      },
    ]);
  });
});

describe('checkRestoredFk', () => {
  const fk: RecordedFk = {
    schema: 'Sales Dept',
    table: 'Order "X"',
    constraint: 'fk "1"',
    definition: 'FOREIGN KEY (a) REFERENCES public.t(id)',
    refSchema: 'public',
    refTable: 't',
    restoredAt: new Date(),
    present: true,
    validated: true,
  };
  it('wants a restored FK present and validated', () => {
    expect(checkRestoredFk(fk)).toEqual([]);
    expect(checkRestoredFk({ ...fk, validated: false })[0]!.hint).toBe(
      'on NEW: ALTER TABLE "Sales Dept"."Order ""X""" VALIDATE CONSTRAINT "fk ""1"""',
    );
    expect(checkRestoredFk({ ...fk, present: false })[0]!.hint).toContain(
      'ADD CONSTRAINT "fk ""1""" FOREIGN KEY (a) REFERENCES public.t(id) NOT VALID',
    );
  });
});

describe('pairPool', () => {
  it('never hands one pair to two tasks at once', async () => {
    const pairs = [0, 1, 2].map((i) => ({ old: { id: i }, new: { id: i } })) as never[];
    const pool = pairPool(pairs);
    const busy = new Set<unknown>();
    let overlap = false;
    let maxBusy = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.run(async (p) => {
          if (busy.has(p)) overlap = true;
          busy.add(p);
          maxBusy = Math.max(maxBusy, busy.size);
          await new Promise((r) => setTimeout(r, i % 3));
          busy.delete(p);
        }),
      ),
    );
    expect(overlap).toBe(false);
    expect(maxBusy).toBe(3);
  });
});
