import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyField, copyText, isoString, toPgText } from '../src/encode.js';

describe('COPY encoding', () => {
  it('formats dates exactly as toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -70_000_000_000_000, max: 260_000_000_000_000 }), (ms) => {
        const date = new Date(ms);
        expect(isoString(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const iso of ['1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2024-02-29T12:00:00.001Z', '0999-12-31T23:59:59.999Z']) {
      expect(isoString(new Date(iso))).toBe(iso);
    }
    expect(isoString(new Date(NaN))).toBe('invalid date');
  });

  it('escapes only what COPY text needs', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('plain')).toBe('plain');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText([{ values: ['1', null, 'x\ty'] }, { values: ['2', '', 'z'] }])).toBe('1\t\\N\tx\\ty\n2\t\tz\n');
    expect(toPgText(new Date('2024-01-02T03:04:05.678Z'), 'plain')).toBe('2024-01-02T03:04:05.678Z');
    expect(toPgText(12.5, 'plain')).toBe('12.5');
    expect(toPgText('text', 'json')).toBe('"text"');
  });
});
