import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NUMBER_TEXT_PATTERN, TIME_TEXT_PATTERN, parseIsoTime, parsePlainDecimalBytes, toBoolean, toNumber, toStringValue, toTime } from '../src/rules/coerce.js';

describe('toNumber', () => {
  it.each([
    [1000, 1000],
    [-0.5, -0.5],
    ['1000.50', 1000.5],
    ['  42 ', 42],
    ['\t-3\n', -3],
    ['+7', 7],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
    ['0', 0],
    ['007', 7],
    ['0.25', 0.25],
    [10n, 10],
  ])('%s → %s', (input, expected) => expect(toNumber(input)).toBe(expected));

  it.each([
    NaN, Infinity, -Infinity, '', '   ', '0x10', '0X10', '0b11', '0o7', ' 0x10', 'Infinity', '-Infinity', '1,000', '1_000',
    '1e999', 'abc', '12abc', '1.2.3', '-', '.', 'e5', true, false, null, undefined, new Date(0), {}, [], [1],
  ])('%j is unconvertible', (input) => expect(toNumber(input)).toBeUndefined());

  it('agrees with its published pattern on strings', () => {
    const re = new RegExp(NUMBER_TEXT_PATTERN);
    for (const s of ['1', '-1.5', '1e3', '0x1', '1,0', '.', '5.', '+.5e-2', 'Infinity', '0b1', '00.1']) {
      expect(toNumber(s) !== undefined, s).toBe(re.test(s.trim()));
    }
  });
});

describe('toTime', () => {
  const utc = (...a: [number, number, number, number?, number?, number?, number?]) => Date.UTC(a[0], a[1] - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0, a[6] ?? 0);
  it.each([
    ['2024-01-02', utc(2024, 1, 2)],
    ['2024-01-02T03:04', utc(2024, 1, 2, 3, 4)],
    ['2024-01-02T03:04:05', utc(2024, 1, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05Z', utc(2024, 1, 2, 3, 4, 5)],
    ['2024-01-02t03:04:05z', utc(2024, 1, 2, 3, 4, 5)],
    ['2024-01-02 03:04:05', utc(2024, 1, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05.678Z', utc(2024, 1, 2, 3, 4, 5, 678)],
    ['2024-01-02T03:04:05.6Z', utc(2024, 1, 2, 3, 4, 5, 600)],
    ['2024-01-02T03:04:05.999999999Z', utc(2024, 1, 2, 3, 4, 5, 999)],
    ['2024-01-02T03:04:05+02:00', utc(2024, 1, 2, 1, 4, 5)],
    ['2024-01-02T03:04:05+0200', utc(2024, 1, 2, 1, 4, 5)],
    ['2024-01-02 03:04:05+02', utc(2024, 1, 2, 1, 4, 5)],
    ['2024-01-02T03:04:05-05:30', utc(2024, 1, 2, 8, 34, 5)],
    ['2024-02-29', utc(2024, 2, 29)],
    ['2000-02-29', utc(2000, 2, 29)],
    ['1969-12-31T23:59:59.999Z', -1],
    ['0001-01-01', Date.parse('0001-01-01T00:00:00Z')],
    ['9999-12-31T23:59:59Z', Date.parse('9999-12-31T23:59:59Z')],
  ])('%s', (input, expected) => {
    expect(toTime(input)).toBe(expected);
  });

  it.each([
    '2024-1-2', '2024-01-02T', '2024-01-02T3:04', '2024-13-01', '2024-00-10', '2024-02-30', '2023-02-29', '1900-02-29',
    '2024-01-02T24:00', '2024-01-02T23:60', '2024-01-02T23:59:60', '2024-01-02T03:04:05.', '2024-01-02T03:04:05.1234567890',
    '2024-01-02T03:04:05+24:00', '2024-01-02T03:04:05+02:60', '2024-01-02T03:04:05+2', '2024-01-02T03:04:05ZZ',
    ' 2024-01-02', '2024-01-02 ', '20240102', 'yesterday', '', '1700000000000',
  ])('%j is unconvertible', (input) => expect(toTime(input)).toBeUndefined());

  it('takes valid Dates and refuses everything else', () => {
    expect(toTime(new Date(5))).toBe(5);
    expect(toTime(new Date(NaN))).toBeUndefined();
    expect(toTime(1700000000000)).toBeUndefined();
    expect(toTime(null)).toBeUndefined();
    expect(toTime(true)).toBeUndefined();
  });

  it('matches Date.parse on every shape both accept with an explicit offset', () => {
    for (const s of ['2024-06-30T12:00:00Z', '2024-06-30T12:00:00.5+01:00', '2024-06-30T12:00Z', '1999-12-31T23:59:59.999-12:00']) {
      expect(parseIsoTime(s), s).toBe(Date.parse(s));
    }
  });

  it('agrees with its published pattern on shape', () => {
    const re = new RegExp(TIME_TEXT_PATTERN);
    for (const s of ['2024-01-02', '2024-01-02T03:04', '2024-01-02 03:04:05.1+01', '2024-01-02T03:04:05.', '2024-01-02T3:04']) {
      expect(parseIsoTime(s) !== undefined, s).toBe(re.test(s));
    }
  });
});

describe('toStringValue and toBoolean', () => {
  it('stringifies primitives only', () => {
    expect(toStringValue('x')).toBe('x');
    expect(toStringValue(1000.5)).toBe('1000.5');
    expect(toStringValue(12n)).toBe('12');
    expect(toStringValue(false)).toBe('false');
    expect(toStringValue(new Date(0))).toBeUndefined();
    expect(toStringValue({})).toBeUndefined();
    expect(toStringValue(null)).toBeUndefined();
  });
  it('reads booleans and their text', () => {
    expect(toBoolean(true)).toBe(true);
    expect(toBoolean('TRUE')).toBe(true);
    expect(toBoolean('False')).toBe(false);
    expect(toBoolean(' true')).toBeUndefined();
    expect(toBoolean('yes')).toBeUndefined();
    expect(toBoolean(1)).toBeUndefined();
    expect(toBoolean(null)).toBeUndefined();
  });
});

describe('toNumber on generated numeric text', () => {
  it('equals Number() on every plain decimal and scientific literal', async () => {
    const fc = (await import('fast-check')).default;
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 });
    const literal = fc
      .tuple(fc.constantFrom('', '-', '+'), digits, fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 20 })), fc.option(fc.integer({ min: -30, max: 30 })), fc.constantFrom('', ' ', '\t'))
      .map(([sign, int, frac, exp, pad]) => `${pad}${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}${pad}`);
    fc.assert(
      fc.property(literal, (s) => {
        expect(Object.is(toNumber(s), Number(s))).toBe(true);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(toNumber(String(d))).toBe(Number(String(d)));
        expect(toNumber(d.toFixed(2))).toBe(Number(d.toFixed(2)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parsePlainDecimalBytes', () => {
  it('is toNumber of the decoded text for plain decimals, NaN for anything else', () => {
    const text = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.stringMatching(/^[-+]?[0-9]{0,17}(\.[0-9]{0,4})?$/),
      fc.constantFrom('', '.', '-', '+', '1.2.3', ' 12', '12 ', '1e3', '0x10', 'NaN', '007', '-0', '1.', '.5', '123456789012345', '1234567890123456', 'é1'),
    );
    let plain = 0;
    fc.assert(
      fc.property(text, (value) => {
        const bytes = Buffer.from(`,${value},`, 'utf8');
        const n = parsePlainDecimalBytes(bytes, 1, bytes.length - 1);
        if (Number.isNaN(n)) return;
        plain++;
        expect(Object.is(n, toNumber(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(plain).toBeGreaterThan(500);
    expect(parsePlainDecimalBytes(Buffer.from('1e3'), 0, 3)).toBeNaN();
    expect(parsePlainDecimalBytes(Buffer.from('1234567890123456'), 0, 16)).toBeNaN();
  });
});
