import { describe, expect, it } from 'vitest';
import { makeExportRun, makeReadContext, memoryLogger, silentLogger } from '../src/index.js';

describe('makeReadContext', () => {
  it('collects rejects and skipped counts, and aborts on demand', () => {
    const ctx = makeReadContext({ batchSize: 7 });
    expect(ctx.batchSize).toBe(7);
    expect(ctx.runId).toMatch(/^run_/);
    ctx.reject('bad,line', new Error('too many columns'), 'line 3');
    ctx.skipped(2);
    ctx.skipped(3);
    expect(ctx.rejected).toEqual([{ input: 'bad,line', error: new Error('too many columns'), location: 'line 3' }]);
    expect(ctx.skippedCount).toBe(5);
    expect(ctx.signal.aborted).toBe(false);
    ctx.abort();
    expect(ctx.signal.aborted).toBe(true);
    expect((ctx.signal.reason as Error).name).toBe('AbortError');
  });

  it('follows an outer signal too', () => {
    const outer = new AbortController();
    const ctx = makeReadContext({ signal: outer.signal });
    outer.abort();
    expect(ctx.signal.aborted).toBe(true);
  });
});

describe('makeExportRun', () => {
  it('has defaults and can be overridden', () => {
    const started = new Date('2024-05-06T07:08:09Z');
    const run = makeExportRun({ rule: 'r', runStartedAt: started });
    expect(run).toMatchObject({ rule: 'r', datasource: 'conformance_source', target: 'conformance_target', runStartedAt: started });
    run.abort(new Error('why'));
    expect((run.signal.reason as Error).message).toBe('why');
  });
});

describe('loggers', () => {
  it('memoryLogger collects lines from children with their bindings', () => {
    const logger = memoryLogger();
    logger.info('hello');
    logger.child({ target: 'alerts' }).warn({ status: 500, err: new Error('boom') }, 'retrying');
    expect(logger.lines).toEqual([
      { level: 'info', msg: 'hello', fields: {} },
      { level: 'warn', msg: 'retrying', fields: { target: 'alerts', status: 500, err: { name: 'Error', message: 'boom', cause: '' } } },
    ]);
    expect(logger.find('boom', 'warn')).toHaveLength(1);
    expect(logger.text()).toContain('alerts');
  });

  it('silentLogger accepts every call', () => {
    const logger = silentLogger();
    logger.error({ a: 1 }, 'x');
    logger.child({}).debug('y');
  });
});
