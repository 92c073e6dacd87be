/**
 * HTTP plumbing shared by Sluice's HTTP connectors (REST source and
 * exporter, CSV over http(s)): one way to send with undici, time out,
 * classify failures for core's retries, build auth headers and keep
 * secrets out of messages.
 */
export type { Auth, HttpAgentOptions, HttpCall, HttpClient } from './types.js';
export { authSchema } from './schema.js';
export { authHeaders, basicAuthorization, createHttpRedactor, normalizeHeaders, requestHeaders, type HeaderOptions } from './auth.js';
export { LazyHttpClient, createHttpAgent, isHttpClient } from './client.js';
export { EXCERPT_BYTES, HttpStatusError, bodyExcerpt, readText, send, sendOk, statusError } from './request.js';
