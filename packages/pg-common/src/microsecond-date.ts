// The class lives in core, so the spool and the dead-letter codec can revive it and `instanceof` holds across packages.
export { MicrosecondDate, microsecondsOf, dateWithMicros } from '@sluice/core';
