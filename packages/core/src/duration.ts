const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SIMPLE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses a duration into milliseconds: `250ms`, `30s`, `15m`, `1h`, `7d`,
 * `2w`, ISO-8601 `PT1H30M` / `P1D`, or a bare number of seconds.
 * Returns undefined for anything else.
 *
 * @example
 * parseDuration('15m'); // 900000
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const text = input.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  const simple = SIMPLE.exec(text);
  if (simple) return Number(simple[1]) * UNITS[simple[2]!]!;
  const iso = ISO.exec(text.toUpperCase());
  if (iso && text.length > 1 && !/T$/i.test(text)) {
    const [, w, d, h, m, s] = iso;
    return (
      Number(w ?? 0) * UNITS.w! + Number(d ?? 0) * UNITS.d! + Number(h ?? 0) * UNITS.h! + Number(m ?? 0) * UNITS.m! + Number(s ?? 0) * 1000
    );
  }
  return undefined;
}
