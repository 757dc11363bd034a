import { describe, expect, it } from 'vitest';
import { renderPlan, step, type Plan } from '../../../src/plan/step.js';

describe('step', () => {
  it('returns a frozen copy whose sql is a frozen copy', () => {
    const sql = ['SELECT 1'];
    const s = step({ id: 'a', description: 'd', sql, takesLocks: false });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.sql)).toBe(true);
    sql.push('DROP TABLE t');
    expect(s.sql).toEqual(['SELECT 1']);
  });
});

describe('renderPlan', () => {
  const plan: Plan = {
    title: 'fdwmig init-new',
    steps: [
      step({
        id: 'state-schema',
        description: 'state schema "fdwmig" on NEW',
        sql: ['CREATE SCHEMA IF NOT EXISTS "fdwmig"', 'SELECT 1'],
        takesLocks: false,
      }),
      step({
        id: 'user-mapping:app',
        description: 'create user mapping',
        sql: [`CREATE USER MAPPING FOR "app" SERVER "s" OPTIONS (user 'u', password '****')`],
        secretSql: [`CREATE USER MAPPING FOR "app" SERVER "s" OPTIONS (user 'u', password 'hunter2')`],
        takesLocks: false,
      }),
      step({
        id: 'sequence:Sales Dept.Order "X"_id_seq',
        description: 'move it',
        sql: ['SELECT setval($1, $2)'],
        params: ['1041', 'Sales Dept', 'café "日本"'],
        takesLocks: false,
      }),
      step({ id: 'empty-params', description: 'no params printed', sql: ['SELECT 2'], params: [], takesLocks: true }),
    ],
  };

  it('prints a title line, then each step as a comment and its statements, ending in a newline', () => {
    expect(renderPlan(plan)).toBe(
      [
        '-- fdwmig init-new: 4 step(s)',
        '',
        '-- [state-schema] state schema "fdwmig" on NEW',
        'CREATE SCHEMA IF NOT EXISTS "fdwmig";',
        'SELECT 1;',
        '',
        '-- [user-mapping:app] create user mapping',
        `CREATE USER MAPPING FOR "app" SERVER "s" OPTIONS (user 'u', password '****');`,
        '',
        '-- [sequence:Sales Dept.Order "X"_id_seq] move it',
        'SELECT setval($1, $2);',
        '--   params: ["1041","Sales Dept","café \\"日本\\""]',
        '',
        '-- [empty-params] no params printed',
        'SELECT 2;',
        '',
      ].join('\n'),
    );
  });

  it('never prints secretSql', () => {
    expect(renderPlan(plan)).not.toContain('hunter2');
  });

  it('renders an empty plan as its title alone', () => {
    expect(renderPlan({ title: 'nothing to do', steps: [] })).toBe('-- nothing to do: 0 step(s)\n');
  });
});
