// pg, as the pool and the type parsers use it. The build bundles this module
// into one file (scripts/vendor.mjs at the repository root): pg is ~50
// CommonJS files, and its runtime probe for Cloudflare Workers builds a fetch
// `Response`, which makes Node.js load its own undici (~15 ms of every start);
// the bundle is for Node.js and answers that probe without it. Built by tsc
// alone, it is this plain re-export.
import pg from 'pg';

export default pg;
