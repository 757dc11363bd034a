import { describe, expect, it } from 'vitest';
import type { TriggerModel } from '../../../src/introspect/model.js';
import { triggerHazards } from '../../../src/plan/trigger-hazards.js';
import { table } from '../support/models.js';

const trigger = (name: string, events: string[], enabled = 'O'): TriggerModel => ({
  name,
  enabled,
  events,
  definition: `CREATE TRIGGER ${name} ...`,
});
const none = { old: false, new: false };
const replica = { old: true, new: true };

describe('triggerHazards', () => {
  it("refuses a table whose ordinary trigger on NEW would fire on the move's inserts, updates (the repair) or deletes, without replica", () => {
    const old = table('public', 't');
    for (const events of [['INSERT'], ['UPDATE'], ['DELETE']]) {
      const onNew = table('public', 't', { triggers: [trigger('touch', events)] });
      expect(triggerHazards(old, onNew, [old], new Set(['public.t']), [], none), events[0]).toEqual([
        expect.stringMatching(/^trigger\(s\) touch on NEW would fire on moved rows/),
      ]);
      expect(triggerHazards(old, onNew, [old], new Set(['public.t']), [], replica), events[0]).toEqual([]);
    }
  });

  it('leaves a NEW trigger on TRUNCATE alone, and names an ENABLE ALWAYS one even with replica', () => {
    const old = table('public', 't');
    expect(
      triggerHazards(
        old,
        table('public', 't', { triggers: [trigger('tr', ['TRUNCATE'])] }),
        [old],
        new Set(['public.t']),
        [],
        none,
      ),
    ).toEqual([]);
    const always = table('public', 't', { triggers: [trigger('stamp', ['UPDATE'], 'A')] });
    expect(triggerHazards(old, always, [old], new Set(['public.t']), [], replica)).toEqual([
      expect.stringMatching(/stamp on NEW .*ENABLE REPLICA\/ALWAYS/),
    ]);
  });

  it("refuses a table whose OLD trigger would fire on fdwmig's deletes, without replica", () => {
    const old = table('public', 't', { triggers: [trigger('audit', ['DELETE'])] });
    expect(triggerHazards(old, undefined, [old], new Set(['public.t']), [], none)).toEqual([
      expect.stringMatching(/^trigger\(s\) audit on OLD/),
    ]);
    expect(triggerHazards(old, undefined, [old], new Set(['public.t']), [], replica)).toEqual([]);
  });
});
