import type { DataRecord, PushdownRules } from '@sluice/core';
import { greaterThanPushdown } from '@sluice/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSource, PATHS, readAll, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let file: string;

/** `value > 1500 AND status = 'active'`, on raw strings or declared numbers. */
function activeAndHigh(): PushdownRules {
  const base = greaterThanPushdown('value', 1500);
  let calls = 0;
  const candidate = (record: DataRecord): boolean => {
    calls++;
    return base.candidate(record) && record.status === 'active';
  };
  return Object.assign({ ...base, fields: ['value', 'status'], candidate }, { calls: () => calls });
}

beforeAll(async () => {
  tmp = await tempDir();
  const lines = ['id,status,value,note'];
  for (let i = 0; i < 2000; i++) {
    const status = i % 3 === 0 ? 'active' : 'idle';
    const value = i % 97 === 0 ? 'n/a' : ((i * 37) % 3000).toFixed(2);
    const note = i % 5 === 0 ? `"quoted, ${i}\nsecond line"` : `note ${i}`;
    lines.push(`${i},${status},${value},${note}`);
    if (i % 250 === 0) lines.push(`${i},ragged`);
  }
  file = await tmp.write('rows.csv', `${lines.join('\n')}\n`);
});
afterAll(() => tmp.cleanup());

describe.each(PATHS)('push-down (%s)', (_name, fast) => {
  for (const types of [{}, { value: 'number' }]) {
    it(`gives the same matches, rejects and counts as without it (types ${JSON.stringify(types)})`, async () => {
      const rules = activeAndHigh();
      const plain = makeSource({ path: file, types, source_field: 'at' }, tmp.dir);
      plain.useFastPath = fast;
      const pushed = makeSource({ path: file, types, source_field: 'at' }, tmp.dir);
      pushed.useFastPath = fast;
      const all = await readAll(plain, { batchSize: 64 });
      const some = await readAll(pushed, { batchSize: 64, rules });
      const matches = all.records.filter((r) => rules.candidate(r));
      expect(matches.length).toBeGreaterThan(50);
      expect(some.records.filter((r) => rules.candidate(r))).toEqual(matches);
      // Only candidates are materialised.
      expect(some.records).toEqual(matches);
      expect(some.ctx.rejected).toEqual(all.ctx.rejected);
      expect(some.ctx.skippedCount + some.records.length).toBe(all.records.length);
      expect(all.ctx.skippedCount).toBe(0);
    });
  }

  it('a rule on the source_field or on a missing column still works', async () => {
    const rules: PushdownRules = {
      ...greaterThanPushdown('nope', 1),
      fields: ['nope', 'at'],
      candidate: (r) => typeof r.at === 'string' && r.at.endsWith(':2'),
    };
    const source = makeSource({ path: file, source_field: 'at' }, tmp.dir);
    source.useFastPath = fast;
    const { records } = await readAll(source, { rules });
    expect(records.map((r) => r.id)).toEqual(['0']);
  });
});
