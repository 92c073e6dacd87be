import type { DataRecord } from '@sluice/core';

/** A value as CSV text: null as empty, Dates as ISO, objects as JSON. */
export function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function quoted(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Records as a CSV document with a header, CRLF-free unless values hold it. */
export function toCsv(records: readonly DataRecord[]): string {
  const columns = Object.keys(records[0] ?? {});
  const lines = [columns.map(quoted).join(',')];
  for (const record of records) lines.push(columns.map((c) => quoted(csvText(record[c]))).join(','));
  return `${lines.join('\n')}\n`;
}

/** What the CSV source yields for a record written by {@link toCsv}. */
export function asCsvStrings(record: DataRecord): DataRecord {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, csvText(v)]));
}
