import { join } from 'node:path';
import { sanitizeSegment, type DataRecord, type ExportRun } from '@sluice/core';
import { describeExporterConformance, flatConformanceRecords } from '@sluice/testkit';
import { createFileExporter, listFiles, readRecords, tempBaseDir, viaCsv, viaJson } from './helpers.js';

/** Runs the shared exporter suite for one output format. */
function conformance(extension: string, normalize: (r: DataRecord) => DataRecord, records?: readonly DataRecord[], extra = {}) {
  describeExporterConformance(`file (${extension})`, {
    ...(records ? { records } : {}),
    async setup() {
      const base = await tempBaseDir();
      const exporter = createFileExporter({ path: `out/{rule}/{datasource}/{run_id}.${extension}`, ...extra }, base.dir);
      const readBack = async (run: ExportRun) => {
        const dir = join(base.dir, 'out', sanitizeSegment(run.rule), sanitizeSegment(run.datasource));
        const names = (await listFiles(dir)).filter((name) => name.startsWith(sanitizeSegment(run.runId)));
        const out: DataRecord[] = [];
        for (const name of names) out.push(...(await readRecords(join(dir, name))));
        return out;
      };
      return { exporter, readBack, normalize, teardown: base.cleanup };
    },
  });
}

conformance('ndjson', viaJson);
conformance('json.gz', viaJson);
conformance('csv', viaCsv, flatConformanceRecords);
conformance('parquet', viaJson);
conformance('jsonl', viaJson, undefined, { max_records_per_file: 5 });
