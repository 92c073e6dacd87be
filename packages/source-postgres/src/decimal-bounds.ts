/**
 * Exact decimal bounds of the values that JavaScript's `Number(text)` turns
 * into a given double. Comparing an exact SQL numeric against these bounds
 * gives the same answer as comparing `Number(value)` with the threshold in
 * JavaScript, without converting each row to float8.
 *
 * Every finite double is an integer multiple of 2^-1074, so doubles and the
 * midpoints between neighbours are integers in units of 2^-1075.
 */

const UNIT_EXP = 1075n;
const view = new DataView(new ArrayBuffer(8));

function bitsOf(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function fromBits(bits: bigint): number {
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

/** |x| in units of 2^-1075 (x finite). */
function units(x: number): bigint {
  const bits = bitsOf(Math.abs(x));
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (exponent === 0) return fraction << 1n; // subnormal: fraction × 2^-1074
  return (fraction | (1n << 52n)) << BigInt(exponent); // (1.f × 2^52) × 2^(exponent-1075) × 2^1075
}

/** The next double above a non-negative finite x, in units; MAX_VALUE's successor is 2^1024. */
function nextUpUnits(x: number): bigint {
  if (x === Number.MAX_VALUE) return 1n << (1024n + UNIT_EXP);
  return units(fromBits(bitsOf(Math.abs(x)) + 1n));
}

function prevDownUnits(x: number): bigint {
  if (x === 0) return -units(Number.MIN_VALUE);
  return units(fromBits(bitsOf(Math.abs(x)) - 1n));
}

/** k × 2^-1075 as a plain decimal string. */
function decimal(k: bigint): string {
  const negative = k < 0n;
  const digits = ((negative ? -k : k) * 5n ** UNIT_EXP).toString().padStart(Number(UNIT_EXP) + 1, '0');
  const whole = digits.slice(0, digits.length - Number(UNIT_EXP));
  const fraction = digits.slice(digits.length - Number(UNIT_EXP)).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** The decimals that `Number()` maps to `t`: from `low` to `high`, ends included when `inclusive`. */
export interface RoundingInterval {
  readonly low: string;
  readonly high: string;
  /** Round-half-to-even: a midpoint goes to the neighbour with the even mantissa. */
  readonly inclusive: boolean;
}

/** Values at or beyond this magnitude become ±Infinity in JavaScript (unconvertible). */
export const OVERFLOW = decimal((nextUpUnits(Number.MAX_VALUE) + units(Number.MAX_VALUE)) / 2n);

export function roundingInterval(t: number): RoundingInterval {
  const inclusive = (bitsOf(Math.abs(t)) & 1n) === 0n;
  const u = units(t);
  const up = (u + nextUpUnits(t)) / 2n;
  const down = (u + prevDownUnits(t)) / 2n;
  // For negative t the interval mirrors the one around |t|.
  if (t < 0) return { low: decimal(-up), high: decimal(-down), inclusive };
  return { low: decimal(down), high: decimal(up), inclusive };
}
