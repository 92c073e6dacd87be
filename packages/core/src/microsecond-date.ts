/**
 * A Date that also carries the microseconds PostgreSQL keeps past the
 * millisecond. JavaScript dates count milliseconds, so a `timestamp` or
 * `timestamptz` value with sub-millisecond digits arrives as one of these:
 * everything that reads it as a Date (the rule engine, `getTime()`) sees the
 * millisecond, while `toISOString()` and `toJSON()` print all six fractional
 * digits, so formats that write ISO text and the PostgreSQL exporter keep the
 * value exactly. Values without such digits stay plain Dates.
 *
 * The microseconds belong to the millisecond the value was made with: once
 * the Date is changed (`setTime`, `setUTCHours`…) they are dropped.
 *
 * @example
 * const at = new MicrosecondDate(Date.UTC(2024, 0, 1, 12, 0, 0, 789), 123);
 * at.toISOString(); // '2024-01-01T12:00:00.789123Z'
 */
export class MicrosecondDate extends Date {
  readonly #millis: number;
  readonly #micros: number;

  /** `millis`: epoch milliseconds; `micros`: 0-999 microseconds past them. */
  constructor(millis: number, micros: number) {
    super(millis);
    this.#millis = millis;
    this.#micros = micros;
  }

  /** Microseconds past `getTime()`'s millisecond (0-999); 0 once the Date was changed. */
  get microseconds(): number {
    return this.getTime() === this.#millis ? this.#micros : 0;
  }

  /** ISO-8601 with six fractional digits (`Date#toJSON` calls this too). */
  override toISOString(): string {
    const iso = super.toISOString();
    const micros = this.microseconds;
    return micros === 0 ? iso : `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
  }
}

/** The microseconds a Date carries past its millisecond: those of a {@link MicrosecondDate}, else 0. */
export function microsecondsOf(date: Date): number {
  return date instanceof MicrosecondDate ? date.microseconds : 0;
}

/** A Date of `millis` and `micros` microseconds past them: a plain Date when there are none. */
export function dateWithMicros(millis: number, micros: number): Date {
  return micros === 0 ? new Date(millis) : new MicrosecondDate(millis, micros);
}
