import { randomBytes } from 'node:crypto';

/**
 * A name no parallel test run will pick: `prefix_<time>_<random>`, lower
 * case, safe as an unquoted SQL identifier, a key prefix or a bucket name
 * fragment (at most 63 characters).
 *
 * @example
 * uniqueName('sluice_csv'); // 'sluice_csv_m3k2a9_4f1c0d2e'
 */
export function uniqueName(prefix = 'sluice_test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return `${clean.slice(0, 62 - suffix.length)}_${suffix}`;
}
