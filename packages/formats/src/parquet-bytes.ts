/**
 * A growable byte buffer that is reused across pages and row groups, so the
 * hot path writes into memory it already owns instead of allocating per value.
 */
export class ByteSink {
  buf: Buffer;
  view: DataView;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A copy of the bytes written so far (the buffer itself is reused). */
  take(): Uint8Array {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** PLAIN BYTE_ARRAY: a 4-byte little-endian length, then the UTF-8 bytes. */
  utf8Value(text: string): number {
    const length = text.length;
    this.ensure(4 + length * 3);
    const buf = this.buf;
    const start = this.pos + 4;
    let written = length;
    // Short ASCII strings (ids, codes, timestamps) are cheaper to copy by
    // hand than to cross into the native encoder.
    if (length < 32) {
      for (let i = 0; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) {
          written = buf.write(text, start);
          break;
        }
        buf[start + i] = code;
      }
    } else {
      written = buf.write(text, start);
    }
    this.view.setUint32(this.pos, written, true);
    this.pos = start + written;
    return written;
  }
}

/**
 * The RLE / bit-packed hybrid encoding (definition levels, dictionary
 * indexes): runs of 8 or more equal values become RLE runs, the rest is
 * bit-packed in groups of 8. `width` must be 1..24.
 */
export function writeHybrid(sink: ByteSink, values: ArrayLike<number>, start: number, end: number, width: number): void {
  const valueBytes = (width + 7) >> 3;
  let i = start;
  while (i < end) {
    const v = values[i] as number;
    let j = i + 1;
    while (j < end && values[j] === v) j++;
    if (j - i >= 8) {
      sink.varint((j - i) * 2);
      sink.ensure(valueBytes);
      for (let b = 0; b < valueBytes; b++) sink.buf[sink.pos++] = (v >>> (8 * b)) & 0xff;
      i = j;
      continue;
    }
    // Bit-pack groups of 8 until a run of 8 equal values starts (or the end).
    let groupEnd = i;
    let groups = 0;
    do {
      groupEnd += 8;
      groups++;
    } while (groupEnd < end && groups < 0x3fffffff && !runAhead(values, groupEnd, end));
    sink.varint(groups * 2 + 1);
    sink.ensure(groups * width);
    const buf = sink.buf;
    let pos = sink.pos;
    let acc = 0;
    let bits = 0;
    for (let k = i; k < groupEnd; k++) {
      // Past the end the group is padded with zeros; readers stop at num_values.
      acc |= (k < end ? (values[k] as number) : 0) << bits;
      bits += width;
      while (bits >= 8) {
        buf[pos++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    sink.pos = pos;
    i = Math.min(groupEnd, end);
  }
}

function runAhead(values: ArrayLike<number>, at: number, end: number): boolean {
  if (at + 8 > end) return false;
  const v = values[at];
  for (let k = at + 1; k < at + 8; k++) if (values[k] !== v) return false;
  return true;
}

/** Bits needed for values 0..max, at least 1. */
export function bitWidth(max: number): number {
  return max <= 1 ? 1 : 32 - Math.clz32(max);
}
