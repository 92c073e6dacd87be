import { snappyUncompress } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { ByteSink, writeHybrid } from '../src/parquet-bytes.js';
import { snappyCompress } from '../src/parquet-snappy.js';
import { compareUtf8 } from '../src/parquet-stats.js';
import { encodeAll, parquetMeta, readParquet } from './helpers.js';

/** A deterministic pseudo-random sequence (tests never depend on Math.random). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const CODECS = ['snappy', 'gzip', 'brotli', 'uncompressed'] as const;

describe('parquet pages', () => {
  it.each(CODECS)('reads back every type with nulls, %s', async (compression) => {
    const next = random(7);
    const records = Array.from({ length: 3000 }, (_, i) => {
      const gap = next() < 0.2;
      return {
        s: gap ? null : `v${i % 13}`,
        u: gap ? null : `unique ${i} ✓ ${'𝄞'.repeat(i % 3)}`,
        d: i % 7 === 0 ? null : i / 4 - 100,
        i64: i % 5 === 0 ? null : BigInt(i) * 3_000_000_000n - 4_000_000_000_000n,
        i32: i % 6 === 0 ? null : i - 1500,
        b: i % 9 === 0 ? null : i % 3 === 0,
        t: i % 4 === 0 ? null : new Date(Date.UTC(1960, 0, 1) + i * 86_400_000 * 7),
        j: i % 8 === 0 ? null : { i, tags: ['a', i] },
        bin: i % 10 === 0 ? null : new Uint8Array([i & 255, 0, 255]),
      };
    });
    const columns = [
      { name: 's', type: 'string' },
      { name: 'u', type: 'string' },
      { name: 'd', type: 'double' },
      { name: 'i64', type: 'int64' },
      { name: 'i32', type: 'int32' },
      { name: 'b', type: 'boolean' },
      { name: 't', type: 'timestamp' },
      { name: 'j', type: 'json' },
      { name: 'bin', type: 'binary' },
    ] as const;
    const { bytes, rejected } = encodeAll('parquet', [records.slice(0, 1234), records.slice(1234)], {
      parquet: { compression, row_group_size: 1000, columns: columns.map((c) => ({ ...c })) },
    });
    expect(rejected).toEqual([]);
    const back = await readParquet(bytes);
    // Unannotated BYTE_ARRAY comes back as bytes only with utf8 decoding off.
    const raw = await readParquet(bytes, false);
    expect(back).toHaveLength(records.length);
    back.forEach((row, i) => {
      const want = records[i] as (typeof records)[number];
      expect(row.s).toBe(want.s);
      expect(row.u).toBe(want.u);
      expect(row.d).toBe(want.d);
      expect(row.i64).toBe(want.i64);
      expect(row.i32).toBe(want.i32);
      expect(row.b).toBe(want.b);
      expect(row.t).toEqual(want.t);
      expect(row.j).toEqual(want.j === null ? null : JSON.parse(JSON.stringify(want.j)));
      const bin = raw[i]?.bin as Uint8Array | null;
      expect(bin === null ? null : [...bin]).toEqual(want.bin === null ? null : [...want.bin]);
    });
    const meta = parquetMeta(bytes);
    expect(meta.row_groups).toHaveLength(3);
    const first = meta.row_groups[0]?.columns ?? [];
    // The low-cardinality string is dictionary-encoded, the unique one is not.
    expect(first[0]?.meta_data?.encodings).toContain('RLE_DICTIONARY');
    expect(first[0]?.meta_data?.dictionary_page_offset).toBeDefined();
    expect(first[1]?.meta_data?.encodings).not.toContain('RLE_DICTIONARY');
    // Statistics of the first group match the values.
    const group = records.slice(0, 1000);
    const stat = (c: number) => first[c]?.meta_data?.statistics;
    const present = <K extends keyof (typeof records)[number]>(k: K) =>
      group.map((r) => r[k]).filter((v): v is NonNullable<typeof v> => v !== null);
    expect(stat(0)?.null_count).toBe(BigInt(group.filter((r) => r.s === null).length));
    expect(stat(0)?.min_value).toBe([...new Set(present('s'))].sort()[0]);
    expect(stat(2)?.min_value).toBe(Math.min(...present('d')));
    expect(stat(2)?.max_value).toBe(Math.max(...present('d')));
    expect(stat(3)?.min_value).toBe(present('i64').reduce((a, b) => (b < a ? b : a)));
    expect(stat(4)?.max_value).toBe(Math.max(...present('i32')));
    expect(stat(5)?.min_value).toBe(false);
    expect(stat(5)?.max_value).toBe(true);
  });

  it('falls back to PLAIN when a dictionary would pass 1 MiB, per row group', async () => {
    // 600 distinct 2 KiB values: sampled as repetitive, but 1.2 MiB of dictionary.
    const big = Array.from({ length: 600 }, (_, i) => `${i}:`.padEnd(2048, 'x'));
    const records = Array.from({ length: 3000 }, (_, i) => ({ k: big[i % 600] as string }));
    const small = Array.from({ length: 3000 }, (_, i) => ({ k: `k${i % 50}` }));
    const { bytes } = encodeAll('parquet', [records, small], { parquet: { row_group_size: 3000 } });
    const groups = parquetMeta(bytes).row_groups;
    expect(groups.map((g) => g.columns[0]?.meta_data?.encodings.includes('RLE_DICTIONARY'))).toEqual([false, true]);
    const back = await readParquet(bytes);
    expect(back.map((r) => r.k)).toEqual([...records, ...small].map((r) => r.k));
  });

  it('replays nulls and values when a dictionary is dropped mid-chunk', async () => {
    // Repetitive at first, then all distinct: the probe after 1024 values
    // keeps it, the 1 MiB cap then drops it with nulls already buffered.
    const records = Array.from({ length: 6000 }, (_, i) => ({
      v: i % 3 === 0 ? null : i < 2000 ? `r${i % 4}` : `${i}:`.padEnd(400, 'y'),
    }));
    const { bytes } = encodeAll('parquet', [records], { parquet: { row_group_size: 6000 } });
    const chunk = parquetMeta(bytes).row_groups[0]?.columns[0]?.meta_data;
    expect(chunk?.encodings).not.toContain('RLE_DICTIONARY');
    expect(chunk?.statistics?.null_count).toBe(2000n);
    // The footer writer truncates byte-array bounds to 16 bytes (min stays a lower bound).
    expect(chunk?.statistics?.min_value).toBe('2000:'.padEnd(16, 'y'));
    expect(chunk?.statistics?.max_value).toBe('r3');
    expect(await readParquet(bytes)).toEqual(records);
  });

  it('splits large columns into pages and keeps every row across many row groups', async () => {
    const text = 'p'.repeat(500);
    const records = Array.from({ length: 12_000 }, (_, i) => ({ id: i, text: `${i}${text}`, flag: i % 2 === 0 }));
    const { bytes } = encodeAll('parquet', [records], { parquet: { row_group_size: 5000 } });
    const meta = parquetMeta(bytes);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([5000, 5000, 2000]);
    // 5000 values of ~500 bytes: more than one 1 MiB page.
    const stats = meta.row_groups[0]?.columns[1]?.meta_data?.encoding_stats ?? [];
    expect(stats.find((s) => s.page_type === 'DATA_PAGE_V2')?.count).toBeGreaterThan(1);
    const back = await readParquet(bytes);
    expect(back).toEqual(records);
  });

  it('orders string statistics by UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16.
    const values = ['\uff5e', '\u{1f600}', 'a', 'é'];
    const { bytes } = encodeAll('parquet', [values.map((v) => ({ v }))], {
      parquet: { columns: [{ name: 'v', type: 'string' }] },
    });
    const stats = parquetMeta(bytes).row_groups[0]?.columns[0]?.meta_data?.statistics;
    expect(stats?.min_value).toBe('a');
    expect(stats?.max_value).toBe('\u{1f600}');
    // The same through a dictionary (repeated values).
    const repeated = encodeAll('parquet', [Array.from({ length: 400 }, (_, i) => ({ v: values[i % 4] as string }))]);
    const chunk = parquetMeta(repeated.bytes).row_groups[0]?.columns[0]?.meta_data;
    expect(chunk?.encodings).toContain('RLE_DICTIONARY');
    expect(chunk?.statistics?.min_value).toBe('a');
    expect(chunk?.statistics?.max_value).toBe('\u{1f600}');
    expect(compareUtf8('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect(compareUtf8('ab', 'a')).toBeGreaterThan(0);
    expect(compareUtf8('a\ud800', 'a\ufffd')).toBe(0);
  });

  it('keeps an all-null column and a chunk with one distinct value', async () => {
    const records = Array.from({ length: 100 }, () => ({ n: null, one: 'same' }));
    const { bytes } = encodeAll('parquet', [records], {
      parquet: { columns: [{ name: 'n', type: 'string' }, { name: 'one', type: 'string' }] },
    });
    expect(await readParquet(bytes)).toEqual(records);
  });

  it('compresses with Snappy that an independent decoder reads', () => {
    const next = random(3);
    for (const size of [0, 1, 14, 15, 100, 65_535, 65_536, 200_000]) {
      const input = new Uint8Array(size);
      // Runs, repeats at various distances and noise.
      for (let i = 0; i < size; i++) input[i] = i % 1000 < 300 ? 7 : next() < 0.5 ? (input[i - 37] ?? 1) : (next() * 256) | 0;
      const noise = new Uint8Array(size).map(() => (next() * 256) | 0);
      // Incompressible input takes the long-skip path up to the end of the input.
      for (const bytes of [input, noise, noise.subarray(size >> 1)]) {
        const out = new ByteSink(16);
        snappyCompress(bytes, out);
        const back = new Uint8Array(bytes.length);
        snappyUncompress(out.buf.subarray(0, out.pos), back);
        expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
      }
    }
  });

  it('encodes the RLE / bit-packed hybrid for any width', () => {
    const next = random(11);
    for (const width of [1, 2, 7, 8, 13, 20]) {
      const values = Array.from({ length: 1001 }, (_, i) => (i % 50 < 20 ? 3 : (next() * 2 ** width) | 0) % 2 ** width);
      const sink = new ByteSink(8);
      writeHybrid(sink, values, 0, values.length, width);
      expect(decodeHybrid(sink.buf.subarray(0, sink.pos), width, values.length)).toEqual(values);
    }
  });
});

/** A straightforward reader of the hybrid encoding, written from the spec. */
function decodeHybrid(bytes: Uint8Array, width: number, count: number): number[] {
  const out: number[] = [];
  let pos = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (out.length < count) {
    const header = varint();
    if (header % 2 === 0) {
      let value = 0;
      for (let b = 0; b < Math.ceil(width / 8); b++) value += (bytes[pos++] as number) * 256 ** b;
      for (let k = 0; k < header / 2; k++) out.push(value);
    } else {
      const n = ((header - 1) / 2) * 8;
      let bit = 0;
      for (let k = 0; k < n; k++) {
        let value = 0;
        for (let b = 0; b < width; b++, bit++) value += (((bytes[pos + (bit >> 3)] as number) >> (bit & 7)) & 1) << b;
        out.push(value);
      }
      pos += (n * width) / 8;
    }
  }
  return out.slice(0, count);
}
