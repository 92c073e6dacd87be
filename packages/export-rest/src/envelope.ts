import { runPlaceholders, type ExportRun } from '@sluice/core';

/**
 * Builds request bodies for one session. Records arrive already serialised
 * (one JSON text each) so a record that cannot be serialised is rejected on
 * its own instead of failing its whole batch.
 */
export type BodyBuilder = (records: readonly string[]) => string;

const RECORDS = '\u0000records\u0000';

export function createBodyBuilder(envelope: boolean | Record<string, unknown>, batchSize: number, run: ExportRun): BodyBuilder {
  if (envelope === false) {
    return batchSize === 1 ? (records) => records[0] ?? 'null' : (records) => `[${records.join(',')}]`;
  }
  const template =
    envelope === true
      ? { rule: '{rule}', datasource: '{datasource}', target: '{target}', run_id: '{run_id}', records: '{records}' }
      : envelope;
  const values = runPlaceholders(run);
  // Render the template once; only the records marker changes per request.
  const rendered = JSON.stringify(render(template, values));
  const marker = JSON.stringify(RECORDS);
  const [head, ...rest] = rendered.split(marker);
  const tail = rest.join(marker);
  if (rest.length === 0) return () => rendered; // a template without {records} (odd, but allowed)
  return (records) => `${head}[${records.join(',')}]${tail}`;
}

function render(value: unknown, values: Map<string, string>): unknown {
  if (typeof value === 'string') {
    if (value === '{records}') return RECORDS;
    return value.replace(/\{([A-Za-z_]+)\}/g, (whole, name: string) => values.get(name) ?? whole);
  }
  if (Array.isArray(value)) return value.map((v) => render(v, values));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, values)]));
  }
  return value;
}

/** JSON for one record; bigint becomes a string rather than failing the batch. */
export function serializeRecord(record: unknown): string {
  return JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}
