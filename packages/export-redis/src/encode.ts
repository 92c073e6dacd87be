import { isWellFormed, type DataRecord } from '@sluice/core';
import type { RedisExporterOptions } from './types.js';

/** One Redis command as its words: `['HSET', key, field, value, ...]`. */
export type CommandWords = string[];

/** Builds the commands that store one record under its key, or says why it cannot. */
export type CommandBuilder = (key: string, record: DataRecord) => CommandWords[] | string;

// A Lua unpack() beyond the C stack limit (~8000) would fail the whole chunk.
const MAX_WORDS = 7000;

/**
 * A field or value as Redis text: strings as-is, numbers/booleans/bigints via
 * String, Dates as ISO-8601, objects and arrays as JSON; null, undefined and
 * invalid Dates have no text (hash/stream fields are then omitted).
 */
export function toText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return undefined;
    case 'object':
      if (value === null) return undefined;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
      return toJson(value);
    default:
      return undefined;
  }
}

/** JSON with bigints as strings (plain JSON.stringify throws on them). */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  }
}

/** Reads `name` from a record: the field itself, else a dotted path into nested objects. */
export function fieldOf(record: DataRecord, name: string): unknown {
  const direct = record[name];
  if (direct !== undefined || !name.includes('.')) return direct;
  let value: unknown = record;
  for (const segment of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as DataRecord)[segment];
  }
  return value;
}

function pairsOf(record: DataRecord, words: CommandWords): void {
  for (const field in record) {
    const text = toText(record[field]);
    if (text !== undefined) words.push(field, text);
  }
}

// In a /u regex a valid surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Says which part of a record holds a lone UTF-16 surrogate, or undefined
 * when every word is well-formed. Redis keeps UTF-8, which cannot hold such
 * text, and the script's JSON decoder refuses its escape, which would fail
 * the whole chunk; the record is refused alone instead, and its dead letter
 * keeps the original text.
 */
function illFormed(key: string, record: DataRecord, commands: CommandWords[]): string | undefined {
  // A native scan, several times cheaper per word than the regular expression: it runs on every word sent.
  if (commands.every((words) => words.every(isWellFormed))) return undefined;
  let where = 'the key';
  if (!LONE_SURROGATE.test(key)) {
    where = 'a value';
    for (const field in record) {
      if (LONE_SURROGATE.test(field) || LONE_SURROGATE.test(toText(record[field]) ?? '')) {
        where = `field "${field.replace(/\p{Cs}/gu, '\uFFFD')}"`;
        break;
      }
    }
  }
  return `${where} holds text that is not valid Unicode (a lone UTF-16 surrogate), which redis cannot store as UTF-8 text`;
}

/**
 * Compiles the options into the per-record command builder of their data
 * type; a record holding text Redis cannot store is refused on its own.
 */
export function commandBuilder(options: RedisExporterOptions): CommandBuilder {
  const build = builderOf(options);
  return (key, record) => {
    const commands = build(key, record);
    if (typeof commands === 'string') return commands;
    return illFormed(key, record, commands) ?? commands;
  };
}

function builderOf(options: RedisExporterOptions): CommandBuilder {
  // The schema refuses a ttl under 1 ms, so rounding never makes it 0 (PX 0 is an error, PEXPIRE 0 deletes).
  const ttl = options.ttl === undefined ? undefined : String(Math.max(1, Math.round(options.ttl)));
  const valueField = options.value_field;
  const maxLength = options.max_length;
  const valueOf = (record: DataRecord): string | undefined => (valueField === undefined ? toJson(record) : toText(fieldOf(record, valueField)));
  const noValue = `value_field "${valueField}" is missing or null`;
  const expire = (key: string, commands: CommandWords[]): CommandWords[] => {
    if (ttl !== undefined) commands.push(['PEXPIRE', key, ttl]);
    return commands;
  };

  switch (options.data_type) {
    case 'hash': {
      const overwrite = options.overwrite;
      return (key, record) => {
        const hset = ['HSET', key];
        pairsOf(record, hset);
        if (hset.length === 2) return 'record has no non-null field to store in a hash';
        if (hset.length > MAX_WORDS) return `record has too many fields for one hash write (${(hset.length - 2) / 2})`;
        return expire(key, overwrite ? [['DEL', key], hset] : [hset]);
      };
    }
    case 'string':
      return (key, record) => {
        const value = valueOf(record);
        if (value === undefined) return noValue;
        return [ttl === undefined ? ['SET', key, value] : ['SET', key, value, 'PX', ttl]];
      };
    case 'set':
      return (key, record) => {
        const value = valueOf(record);
        if (value === undefined) return noValue;
        return expire(key, [['SADD', key, value]]);
      };
    case 'list': {
      const left = options.push === 'left';
      const trim: CommandWords | undefined =
        maxLength === undefined ? undefined : left ? ['LTRIM', '', '0', String(maxLength - 1)] : ['LTRIM', '', String(-maxLength), '-1'];
      return (key, record) => {
        const value = valueOf(record);
        if (value === undefined) return noValue;
        const commands: CommandWords[] = [[left ? 'LPUSH' : 'RPUSH', key, value]];
        if (trim) commands.push([trim[0]!, key, trim[2]!, trim[3]!]);
        return expire(key, commands);
      };
    }
    case 'stream': {
      const head = maxLength === undefined ? [] : ['MAXLEN', options.approximate_trim ? '~' : '=', String(maxLength)];
      const asJson = options.stream_format === 'json';
      return (key, record) => {
        const xadd = ['XADD', key, ...head, '*'];
        const fixed = xadd.length;
        if (asJson) {
          const value = valueOf(record);
          if (value === undefined) return noValue;
          xadd.push('data', value);
        } else pairsOf(record, xadd);
        if (xadd.length === fixed) return 'record has no non-null field to store in a stream entry';
        if (xadd.length > MAX_WORDS) return `record has too many fields for one stream entry (${(xadd.length - fixed) / 2})`;
        return expire(key, [xadd]);
      };
    }
  }
}
