import { describe, expect, it } from 'vitest';
import { qualifiedName, type TableModel } from '../../../src/introspect/model.js';
import {
  assessReplication,
  type NewFacts,
  type OldFacts,
  type PreflightInput,
  type TableFacts,
} from '../../../src/replication/preflight.js';
import { column, copyTable, database, table } from '../support/models.js';

const ORDER = table('Sales Dept', 'Order "X"', {
  columns: [column('id', 'bigint', { notNull: true }), column('user', 'text')],
});

function oldFacts(over: Partial<OldFacts> = {}): OldFacts {
  return {
    versionNum: 130_000,
    role: 'migrator',
    walLevel: 'logical',
    isSuperuser: false,
    canReplicate: true,
    canCreate: true,
    maxSlots: 10,
    usedSlots: 0,
    maxWalSenders: 10,
    usedWalSenders: 0,
    slotExists: false,
    publicationExists: false,
    ...over,
  };
}

function newFacts(over: Partial<NewFacts> = {}): NewFacts {
  return {
    versionNum: 170_000,
    role: 'migrator',
    isSuperuser: false,
    canSubscribe: true,
    maxWorkers: 4,
    maxSyncWorkers: 2,
    subscriptionExists: false,
    ...over,
  };
}

const OK_FACTS: TableFacts = {
  identity: 'd',
  hasIdentityIndex: false,
  hasPrimaryKey: true,
  owns: true,
  canSelect: true,
};

function input(oldTables: TableModel[], over: Partial<PreflightInput> = {}): PreflightInput {
  return {
    old: oldFacts(),
    new: newFacts(),
    oldModel: database(oldTables),
    newModel: database(oldTables.map((t) => copyTable(t))),
    tableFacts: new Map(oldTables.map((t) => [qualifiedName(t), OK_FACTS])),
    nonEmptyOnNew: new Set(),
    reachFailure: null,
    names: { publication: 'p', subscription: 's', slot: 'sl' },
    mode: 'copy-data',
    selection: {},
    ...over,
  };
}

const errors = (i: PreflightInput) => assessReplication(i).findings.filter((f) => f.severity === 'error');

describe('assessReplication', () => {
  it('passes a ready pair and returns the tables to publish', () => {
    const r = assessReplication(input([ORDER]));
    expect(r.findings).toEqual([]);
    expect(r.tables.map(qualifiedName)).toEqual(['Sales Dept.Order "X"']);
  });

  it('refuses a table without a primary key or replica identity, naming the fixes', () => {
    const nopk = table('public', 'nopk', { primaryKey: null });
    const [f] = errors(
      input([nopk], { tableFacts: new Map([['public.nopk', { ...OK_FACTS, hasPrimaryKey: false }]]) }),
    );
    expect(f).toMatchObject({
      subject: 'public.nopk',
      message: expect.stringMatching(/^no primary key and no replica identity: /),
    });
    expect(f!.hint).toBe(
      'add a primary key on OLD and NEW (e.g. ALTER TABLE public.nopk ADD COLUMN id bigserial PRIMARY KEY), or on OLD: ALTER TABLE public.nopk REPLICA IDENTITY FULL, or leave the table out (--exclude-tables)',
    );
  });

  it('accepts REPLICA IDENTITY FULL or USING INDEX, with a warning for FULL', () => {
    const nopk = table('public', 'nopk', { primaryKey: null });
    const full = assessReplication(
      input([nopk], { tableFacts: new Map([['public.nopk', { ...OK_FACTS, hasPrimaryKey: false, identity: 'f' }]]) }),
    );
    expect(full.findings.map((f) => f.severity)).toEqual(['warning']);
    expect(
      errors(
        input([nopk], {
          tableFacts: new Map([
            ['public.nopk', { ...OK_FACTS, hasPrimaryKey: false, identity: 'i', hasIdentityIndex: true }],
          ]),
        }),
      ),
    ).toEqual([]);
    expect(
      errors(input([ORDER], { tableFacts: new Map([[qualifiedName(ORDER), { ...OK_FACTS, identity: 'n' }]]) }))[0]!
        .message,
    ).toMatch(/^REPLICA IDENTITY NOTHING/);
  });

  it('reports every server problem at once, each with a hint', () => {
    const found = errors(
      input([ORDER], {
        old: oldFacts({
          walLevel: 'replica',
          canReplicate: false,
          usedSlots: 9,
          maxWalSenders: 2,
          usedWalSenders: 2,
          slotExists: true,
        }),
        new: newFacts({ canSubscribe: false, versionNum: 150_000 }),
        reachFailure: 'could not connect to the publisher: connection refused',
      }),
    );
    expect(found.map((f) => f.message)).toEqual([
      'wal_level is replica; logical replication needs logical',
      'migrator may not replicate (neither superuser nor REPLICATION)',
      '1 free replication slot(s) of max_replication_slots = 10; 2 needed',
      '0 free wal sender(s) of max_wal_senders = 2; 2 needed',
      'slot sl already exist(s) on OLD',
      'migrator may not create a subscription',
      'NEW cannot open a replication connection to OLD: could not connect to the publisher: connection refused',
    ]);
    expect(found.every((f) => f.hint)).toBe(true);
    expect(found[5]!.hint).toContain('before PostgreSQL 16 only superusers');
  });

  it('needs one slot for --snapshot, one per sync worker more for --copy-data', () => {
    expect(errors(input([ORDER], { old: oldFacts({ usedSlots: 9 }), mode: 'snapshot' }))).toEqual([]);
  });

  it("reuses compareTable for NEW's schema, and refuses a table missing or holding rows on NEW", () => {
    const other = table('public', 'other');
    const changed = copyTable(ORDER, {
      columns: [column('id', 'bigint', { notNull: true }), column('user', 'varchar')],
    });
    const found = errors(
      input([ORDER, other], { newModel: database([changed]), nonEmptyOnNew: new Set([qualifiedName(ORDER)]) }),
    );
    expect(found.map((f) => f.message)).toEqual([
      'schema differs: Sales Dept.Order "X".user: type is text on OLD but varchar on NEW',
      "already has rows on NEW: the initial copy would add OLD's rows to them",
      'missing on NEW: logical replication copies rows, not the schema',
    ]);
  });

  it('publishes partitions, not their partitioned parent; honours the selection', () => {
    const parent = table('public', 'events', { kind: 'partitioned' });
    const part = table('public', 'events_2024', { isPartition: true, parents: ['public.events'] });
    const r = assessReplication(
      input([parent, part, ORDER], { selection: { excludeTables: ['Sales Dept.Order "X"'] } }),
    );
    expect(r.tables.map(qualifiedName)).toEqual(['public.events_2024']);
    expect(r.findings).toEqual([expect.objectContaining({ severity: 'info', subject: 'public.events' })]);
  });
});
