import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ConnectorError } from '@sluice/core';
import type { S3ExporterOptions } from './types.js';

/** Builds the exporter's own S3Client from its options (credentials stay inside the SDK). */
export function createS3Client(options: S3ExporterOptions): S3Client {
  const checksums = options.request_checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const config: S3ClientConfig = {
    forcePathStyle: options.force_path_style,
    maxAttempts: options.max_attempts,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  };
  const region = options.region ?? (options.endpoint !== undefined && !process.env.AWS_REGION ? 'us-east-1' : undefined);
  if (region !== undefined) config.region = region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.access_key_id !== undefined && options.secret_access_key !== undefined) {
    config.credentials = {
      accessKeyId: options.access_key_id,
      secretAccessKey: options.secret_access_key,
      ...(options.session_token !== undefined ? { sessionToken: options.session_token } : {}),
    };
  }
  return new S3Client(config);
}

/** Accepts an injected client when it looks like an S3Client (has `send`). */
export function injectedClient(client: unknown, where: string): S3Client | undefined {
  if (client === undefined) return undefined;
  if (typeof client === 'object' && client !== null && typeof (client as { send?: unknown }).send === 'function') return client as S3Client;
  throw new ConnectorError('deps.client is not an S3Client', { where });
}
