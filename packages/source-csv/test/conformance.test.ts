import { describeSourceConformance } from '@sluice/testkit';
import { asCsvStrings, toCsv } from './csv-text.js';
import { makeSource, tempDir } from './helpers.js';

for (const fast of [true, false]) {
  describeSourceConformance(fast ? 'csv (fast path)' : 'csv (csv-parse)', {
    ordered: true,
    async setup(records) {
      const tmp = await tempDir();
      await tmp.write('records.csv', toCsv(records));
      const source = makeSource({ path: 'records.csv' }, tmp.dir);
      source.useFastPath = fast;
      return { source, expected: records.map(asCsvStrings), teardown: () => tmp.cleanup() };
    },
  });
}
