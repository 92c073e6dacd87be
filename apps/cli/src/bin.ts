#!/usr/bin/env node
import { main } from './cli.js';

const code = await main(process.argv);
process.exitCode = code;
// Pools and sockets are closed by now; don't let a stray handle keep a finished CLI alive.
setTimeout(() => process.exit(code), 1000).unref();
