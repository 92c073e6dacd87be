#!/usr/bin/env node
// GC settings first; the CLI is imported after them, so that not even its loading grows the heap under the defaults.
import './v8-flags.js';

const { main } = await import('./cli.js');

const code = await main(process.argv);
process.exitCode = code;
// Pools and sockets are closed by now; don't let a stray handle keep a finished CLI alive.
setTimeout(() => process.exit(code), 1000).unref();
