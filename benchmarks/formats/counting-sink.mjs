import { Writable } from 'node:stream';

/** A writable that discards what it is given and counts the bytes (`sink.bytes`): the benchmarks measure encoding, not disk. */
export function countingSink() {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      sink.bytes += chunk.length;
      cb();
    },
  });
  sink.bytes = 0;
  return sink;
}
