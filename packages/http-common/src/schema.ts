import { z } from '@sluice/core';

/** `auth:` blocks shared by every HTTP connector. */
export const authSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('bearer').describe('Sends `Authorization: Bearer <token>`'),
      token: z.string().min(1).describe('Bearer token; use ${VAR} to keep it out of the file'),
    }),
    z.strictObject({
      type: z.literal('basic').describe('Sends HTTP basic authentication'),
      username: z.string().describe('User name'),
      password: z.string().describe('Password; use ${VAR} to keep it out of the file'),
    }),
    z.strictObject({
      type: z.literal('header').describe('Sends an API key in a header of your choice'),
      name: z.string().min(1).describe('Header name, e.g. X-API-Key'),
      value: z.string().min(1).describe('Header value; use ${VAR} to keep it out of the file'),
    }),
  ])
  .describe('Authentication: bearer token, basic, or an API-key header');
