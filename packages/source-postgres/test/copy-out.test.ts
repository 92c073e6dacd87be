import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyOut } from '../src/copy-out.js';

function message(code: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

/**
 * Feeds `wire` to a CopyOut through a socket-like stream in the given
 * pieces, taking what it buffers as it goes, and returns the CopyData
 * payloads it collected and what it handed back to "pg's parser".
 */
async function run(wire: Buffer, cuts: number[], readAhead: number): Promise<{ data: Buffer; handedBack: Buffer; copyDone: boolean }> {
  const socket = new PassThrough();
  const handedBack: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => handedBack.push(chunk));
  let notified = 0;
  const copy = new CopyOut('COPY x TO STDOUT', readAhead, () => notified++);
  let sent = '';
  copy.submit({ stream: socket, query: (text: string) => (sent = text) });
  expect(sent).toBe('COPY x TO STDOUT');
  const taken: Buffer[] = [];
  const drain = (): void => {
    while (copy.buffered > 0) taken.push(Buffer.from(copy.take(7)));
    copy.resume();
  };
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < wire.length).sort((a, b) => a - b), wire.length]) {
    if (cut <= from) continue;
    socket.write(wire.subarray(from, cut));
    from = cut;
    await new Promise((resolve) => setImmediate(resolve));
    drain();
  }
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    drain();
  }
  expect(notified).toBeGreaterThan(0);
  return { data: Buffer.concat(taken), handedBack: Buffer.concat(handedBack), copyDone: copy.copyDone };
}

describe('CopyOut framing', () => {
  it('collects every CopyData payload, skips notices and parameter changes, and hands back what follows CopyDone, whatever the chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => ({ data: Buffer.from(a) })), fc.constantFrom({ notice: 'N' }, { notice: 'S' }, { notice: 'A' })), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(1, 64, 1024 * 1024),
        async (parts, cuts, readAhead) => {
          const after = Buffer.concat([message('C', Buffer.from('COPY 3\0')), message('Z', Buffer.from('I'))]);
          const wire = Buffer.concat([
            message('H', Buffer.from([0, 0, 1, 0, 0])),
            ...parts.map((p) => ('data' in p ? message('d', p.data) : message(p.notice, Buffer.from('x\0')))),
            message('c', Buffer.alloc(0)),
            after,
          ]);
          const result = await run(wire, cuts.map((c) => c % (wire.length + 1)), readAhead);
          expect(result.data).toEqual(Buffer.concat(parts.flatMap((p) => ('data' in p ? [p.data] : []))));
          expect(result.copyDone).toBe(true);
          expect(result.handedBack).toEqual(after);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands an ErrorResponse back to pg with everything after it, keeping the rows before', async () => {
    const error = Buffer.concat([message('E', Buffer.from('SERROR\0Mboom\0\0')), message('Z', Buffer.from('I'))]);
    const wire = Buffer.concat([message('H', Buffer.from([0, 0, 1, 0, 0])), message('d', Buffer.from('1\n')), error]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const result = await run(wire, [cut], 1024);
      expect(result.data).toEqual(Buffer.from('1\n'));
      expect(result.copyDone).toBe(false);
      expect(result.handedBack).toEqual(error);
    }
  });
});
