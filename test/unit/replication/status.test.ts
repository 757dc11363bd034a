import { describe, expect, it } from 'vitest';
import { reduceStatus, type SlotRow, type SubscriptionRow } from '../../../src/replication/status.js';

const SLOT: SlotRow = { current_lsn: '0/3000100', confirmed_flush_lsn: '0/3000000', active: true, lag_bytes: '256' };

function sub(over: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    sub_oid: '16400',
    enabled: true,
    slot_name: 'sl',
    worker_pid: 123,
    received_lsn: '0/3000100',
    latest_end_lsn: '0/3000000',
    last_msg_age_s: 0.2,
    latest_end_age_s: 1.5,
    tables: [
      ['public', 'accounts', 'r'],
      ['Sales Dept', 'Order "X"', 'd'],
    ],
    ...over,
  };
}

describe('reduceStatus', () => {
  it('not started when nothing exists', () => {
    expect(reduceStatus(null, null, false)).toMatchObject({
      phase: 'not-started',
      lagBytes: null,
      lagSeconds: null,
      tables: [],
    });
  });

  it('copying while a table is not ready, naming the states', () => {
    const s = reduceStatus(SLOT, sub(), true);
    expect(s.phase).toBe('copying');
    expect(s.phaseText).toBe('copying: 1 of 2 table(s) not yet in sync');
    expect(s.tables).toEqual([
      { table: 'public.accounts', state: 'ready' },
      { table: 'Sales Dept.Order "X"', state: 'copying' },
    ]);
    expect(s).toMatchObject({ lagBytes: 256, lagSeconds: 1.5 });
  });

  it('streaming with every table ready; lag in time is 0 when caught up', () => {
    const s = reduceStatus({ ...SLOT, lag_bytes: '0' }, sub({ tables: [['public', 'accounts', 'r']] }), true);
    expect(s).toMatchObject({ phase: 'streaming', lagBytes: 0, lagSeconds: 0 });
    expect(s.phaseText).toContain('ready for fdwmig replicate switchover');
  });

  it('says when no apply worker runs', () => {
    expect(reduceStatus(SLOT, sub({ worker_pid: null, tables: [] }), true).phaseText).toMatch(/no apply worker runs/);
  });

  it("disabled, and incomplete when only OLD's objects remain", () => {
    expect(reduceStatus(SLOT, sub({ enabled: false }), true).phase).toBe('disabled');
    const s = reduceStatus(null, null, true);
    expect(s.phase).toBe('incomplete');
    expect(s.phaseText).toContain('the publication on OLD');
  });
});
