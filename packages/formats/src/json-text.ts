const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * JSON.stringify replacer for values JSON has no form for. Date is already
 * handled by Date#toJSON (ISO-8601) and NaN/Infinity become null natively.
 */
function replacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    // A bigint beyond 2^53 would silently lose digits as a JSON number.
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
  }
  if (typeof value === 'object' && value !== null) {
    // Buffer#toJSON has already run; the holder still has the bytes.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  }
  return value;
}

/** Whether a record holds anything the plain JSON.stringify would get wrong. */
function needsReplacer(record: object): boolean {
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    if (typeof value === 'bigint') return true;
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) return true;
  }
  return false;
}

/**
 * A record as JSON text: Date → ISO string, bigint → number when safe else
 * string, Uint8Array/Buffer → base64, NaN/±Infinity → null, undefined fields
 * omitted. Throws on values JSON cannot hold (cycles).
 */
export function recordToJson(record: object): string {
  return needsReplacer(record) ? JSON.stringify(record, replacer) : JSON.stringify(record);
}

/** Any value as JSON text under the same rules as {@link recordToJson}. */
export function valueToJson(value: unknown): string {
  const text = JSON.stringify(value, replacer) as string | undefined;
  // Functions and symbols have no JSON form at all.
  if (text === undefined) throw new TypeError(`a ${typeof value} has no JSON form`);
  return text;
}

/** Whether a batch entry is a record object the encoders can read fields from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
