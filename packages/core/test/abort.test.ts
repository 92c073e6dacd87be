import { describe, expect, it } from 'vitest';
import { abortable } from '../src/abort.js';

describe('abortable', () => {
  it('passes the result through', async () => {
    await expect(abortable(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom');
  });

  it('rejects at once when the signal aborts, even if the operation never settles', async () => {
    const controller = new AbortController();
    const pending = abortable(new Promise<never>(() => {}), controller.signal, (cause) => new Error(`cancelled: ${String(cause)}`));
    controller.abort('stop');
    await expect(pending).rejects.toThrow('cancelled: stop');
  });

  it('rejects an already aborted signal without waiting, and swallows the late rejection', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let late!: (error: Error) => void;
    const operation = new Promise<never>((_, reject) => (late = reject));
    await expect(abortable(operation, controller.signal)).rejects.toThrow('gone');
    late(new Error('late failure'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});
