import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/cli/commands/status.js';
import { tableState } from '../../../src/fdw/status.js';

describe('tableState', () => {
  it('waiting, moving or moved', () => {
    expect(tableState(10, 0, 0)).toBe('waiting');
    expect(tableState(10, 5, 0)).toBe('moving');
    expect(tableState(0, 0, 1)).toBe('moving');
    expect(tableState(0, 15, 0)).toBe('moved');
    expect(tableState(0, 0, 0)).toBe('moved');
  });
});

describe('renderStatus', () => {
  it('prints phase, FKs and one line per table', () => {
    expect(
      renderStatus({
        phase: 'moving',
        phaseText: 'moving: 3 row(s) still on OLD (run fdwmig migrate)',
        oldDisplay: 'old:5432/shop',
        foreignKeys: { total: 2, restored: 0, on: false },
        tables: [
          {
            table: 'Sales Dept.Order "X"',
            state: 'moving',
            rowsOnOld: 3,
            rowsMoved: 97,
            openBatches: 1,
            rowsVisibleTwice: 2,
          },
        ],
      }),
    ).toMatchInlineSnapshot(`
      "phase: moving: 3 row(s) still on OLD (run fdwmig migrate)
      OLD: old:5432/shop
      visible twice: up to 2 row(s) of batches a stopped migrate left copied are on OLD and NEW alike; readers through NEW see them twice until fdwmig migrate runs again and finishes them
      FKs: off (0 of 2 restored)

      table                               state          on OLD       moved  open batches
      Sales Dept.Order "X"                moving              3          97             1
      "
    `);
  });
});
