import { durationSchema, z } from '@sluice/core';
import { authSchema } from '@sluice/http-common';

const pagination = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('none').describe('A single request'),
    }),
    z.strictObject({
      type: z.literal('page').describe('Page number and size in the query string'),
      page_param: z.string().default('page').describe('Query parameter carrying the page number'),
      start: z.number().int().default(1).describe('Number of the first page'),
      size_param: z.string().default('page_size').describe('Query parameter carrying the page size'),
      page_size: z.number().int().positive().optional().describe('Page size to request; not sent when omitted'),
      stop_on_short_page: z
        .boolean()
        .default(false)
        .describe(
          'Stop after a page with fewer than page_size records that is also shorter than an earlier page, so a server that caps the size is not taken for the end (otherwise reading stops at the first empty page)',
        ),
    }),
    z.strictObject({
      type: z.literal('offset').describe('Offset and limit in the query string'),
      offset_param: z.string().default('offset').describe('Query parameter carrying the offset'),
      limit_param: z.string().default('limit').describe('Query parameter carrying the limit'),
      limit: z.number().int().positive().default(100).describe('Records to request per page'),
      start: z.number().int().nonnegative().default(0).describe('Offset of the first page'),
      stop_on_short_page: z
        .boolean()
        .default(false)
        .describe(
          'Stop after a page with fewer than limit records that is also shorter than an earlier page, so a server that caps the limit is not taken for the end (otherwise reading stops at the first empty page)',
        ),
    }),
    z.strictObject({
      type: z.literal('cursor').describe('A next-page cursor from the response body sent back as a query parameter'),
      cursor_path: z.string().min(1).describe('Dotted path of the next cursor in the response body, e.g. meta.next_cursor'),
      cursor_param: z.string().default('cursor').describe('Query parameter that carries the cursor'),
    }),
    z.strictObject({
      type: z.literal('link').describe('Follows the RFC 8288 `Link: <...>; rel="next"` response header'),
    }),
    z.strictObject({
      type: z.literal('next_url').describe('Follows the next page\'s URL given in the response body (Django REST framework `next`, `links.next`, `next_page_url`)'),
      next_path: z.string().min(1).describe('Dotted path of the next page\'s URL (absolute or relative) in the response body, e.g. next or links.next; null, empty or absent ends the read'),
    }),
  ])
  .default({ type: 'none' })
  .describe('How to fetch further pages: none, page, offset, cursor, link or next_url');

/** Options of a `type: rest_api` (alias `http`) datasource. */
export const restSourceSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('Endpoint URL (http or https)'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('GET').describe('HTTP method'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers'),
  query: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Query parameters added to the URL'),
  body: z.unknown().optional().describe('JSON request body (for POST search endpoints)'),
  auth: authSchema.optional(),
  records_path: z
    .string()
    .min(1)
    .optional()
    .describe('Dotted path of the record array in the response, e.g. data.items; the whole body when omitted (an object is one record)'),
  pagination,
  max_pages: z.number().int().positive().default(1000).describe('Stop after this many pages, with a warning'),
  timeout: durationSchema.default(30_000).describe('Time limit per request, e.g. 30s'),
  max_connections: z.number().int().positive().default(4).describe('Keep-alive connections in the pool'),
});
