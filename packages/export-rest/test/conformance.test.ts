import type { DataRecord } from '@sluice/core';
import { describeExporterConformance, startHttpReceiver } from '@sluice/testkit';
import restExporter from '@sluice/export-rest';
import { deps } from './helpers.js';

interface Envelope {
  rule: string;
  run_id: string;
  records: DataRecord[];
}

describeExporterConformance('rest_api', {
  async setup() {
    // A receiver that keeps one body per Idempotency-Key, as a careful API would.
    const received = new Map<string, Envelope>();
    const server = await startHttpReceiver((req, res) => {
      if (req.method === 'POST') received.set(String(req.headers['idempotency-key']), JSON.parse(req.body) as Envelope);
      res.writeHead(req.method === 'POST' ? 202 : 204).end();
    });
    const options = restExporter.schema.parse({ url: `${server.url}/ingest`, envelope: true, batch_size: 3 });
    return {
      exporter: restExporter.create(options, deps()),
      readBack: async (run) =>
        [...received.values()].filter((e) => e.run_id === run.runId && e.rule === run.rule).flatMap((e) => e.records),
      // Records travel as JSON: Dates arrive as ISO strings.
      normalize: (record) => JSON.parse(JSON.stringify(record)) as DataRecord,
      teardown: () => server.close(),
    };
  },
});
