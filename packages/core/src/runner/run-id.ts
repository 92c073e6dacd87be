import { randomBytes } from 'node:crypto';

/** `20261126T082000Z-3f9a1c`: sortable, unique, safe in file names and keys. */
export function makeRunId(startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
