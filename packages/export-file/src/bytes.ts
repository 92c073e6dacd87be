const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `"64MiB"`, `"10 MB"`, `"512kb"`, or a number of bytes. */
export const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)$/i;

/**
 * Bytes from a size option: a positive integer, or a number with a unit
 * (`KB`/`MB`/`GB` are powers of 1000, `KiB`/`MiB`/`GiB` of 1024).
 *
 * @example
 * parseByteSize('64MiB'); // 67108864
 */
export function parseByteSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const match = BYTE_SIZE.exec(size.trim());
  if (!match) throw new TypeError(`not a byte size: "${size}"`);
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}
