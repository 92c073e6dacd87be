import type { DataRecord } from '../types.js';

/** Reads one value from a record; undefined when the path leads nowhere. */
export type Reader = (record: DataRecord) => unknown;

/**
 * Names every plain object inherits (`constructor`, `toString`,
 * `__proto__`…): reading them must not find the inherited member.
 */
function inherited(key: string): boolean {
  return key in Object.prototype;
}

function own(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * A reader specialised on the path length, so the common one- and
 * two-segment paths are a property load or two. An intermediate value that
 * is not an object (a string, a number, null) makes the value missing.
 *
 * @example
 * compileReader(['payload', 'temp'])({ payload: { temp: 21 } }); // 21
 */
export function compileReader(path: readonly string[]): Reader {
  if (path.length === 0) throw new Error('empty field path');
  if (path.some(inherited)) return guardedReader(path);
  if (path.length === 1) {
    const k = path[0]!;
    return (r) => r[k];
  }
  if (path.length === 2) {
    const [a, b] = path as [string, string];
    return (r) => {
      const o = r[a];
      return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[b] : undefined;
    };
  }
  if (path.length === 3) {
    const [a, b, c] = path as [string, string, string];
    return (r) => {
      const o = r[a];
      if (typeof o !== 'object' || o === null) return undefined;
      const p = (o as Record<string, unknown>)[b];
      return typeof p === 'object' && p !== null ? (p as Record<string, unknown>)[c] : undefined;
    };
  }
  const keys = [...path];
  return (r) => {
    let o: unknown = r;
    for (let i = 0; i < keys.length; i++) {
      if (typeof o !== 'object' || o === null) return undefined;
      o = (o as Record<string, unknown>)[keys[i]!];
    }
    return o;
  };
}

function guardedReader(path: readonly string[]): Reader {
  const keys = [...path];
  return (r) => {
    let o: unknown = r;
    for (let i = 0; i < keys.length; i++) {
      if (typeof o !== 'object' || o === null) return undefined;
      o = own(o, keys[i]!);
    }
    return o;
  };
}
