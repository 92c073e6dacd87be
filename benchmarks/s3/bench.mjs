// Peak memory of a 2,000,000-row run to Parquet on S3.
//
//   node benchmarks/s3/bench.mjs [--rows=2000000] [--via=cli|exporter] [--max-records=1000000] [--row-group-size=N]
//
// Starts s3rver in its own process (so its memory is not counted), runs the
// measured process under GNU time (`/usr/bin/time -v`): either the CLI on a
// generated CSV with a rule every row matches (`--via=cli`, needs
// `pnpm build`), or the exporter alone fed generated records
// (`--via=exporter`, needs packages/export-s3 built). Then reads every
// object's Parquet footer back with ranged GETs and checks the row count.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pkg = path.join(root, 'packages/export-s3');
const requireFromPkg = createRequire(path.join(pkg, 'package.json'));
const { S3Client, ListObjectsV2Command, HeadObjectCommand, GetObjectCommand } = requireFromPkg('@aws-sdk/client-s3');
const { parquetMetadataAsync } = await import(pathToFileURL(path.join(pkg, 'node_modules/hyparquet/src/node.js')).href);

const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0], a.split('=')[1] ?? 'true']));
const rows = Number(args.rows ?? 2_000_000);
const via = args.via ?? 'cli';
const maxRecords = args['max-records'] ?? '1000000';
const rowGroupSize = args['row-group-size'];
const bucket = 'sluice-bench';

function startS3rver(directory) {
  return new Promise((resolve, reject) => {
    const bin = path.join(path.dirname(requireFromPkg.resolve('s3rver/package.json')), 'bin/s3rver.js');
    const child = spawn(process.execPath, [bin, '-d', directory, '-a', '127.0.0.1', '-p', '0', '-s', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on [\d.]+:(\d+)/.exec(out);
      if (match) resolve({ child, endpoint: `http://127.0.0.1:${match[1]}` });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
}

function timed(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', ...argv], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const field = (name) => new RegExp(`${name}: (.+)`).exec(stderr)?.[1]?.trim();
      resolve({ code, stdout, stderr, maxRssKiB: Number(field('Maximum resident set size \\(kbytes\\)')), wall: field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)'), user: field('User time \\(seconds\\)'), system: field('System time \\(seconds\\)') });
    });
  });
}

const directory = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-s3rver-'));
const { child: server, endpoint } = await startS3rver(directory);
try {
  let result;
  if (via === 'exporter') {
    result = await timed([process.execPath, path.join(here, 'direct.mjs')], { ROWS: String(rows), BUCKET: bucket, S3_ENDPOINT: endpoint, MAX_RECORDS: maxRecords, ...(rowGroupSize ? { ROW_GROUP_SIZE: rowGroupSize } : {}) });
  } else {
    const { generate } = await import(pathToFileURL(path.join(root, 'benchmarks/generate.mjs')).href);
    const dataDir = path.join(root, 'benchmarks/data');
    const outDir = path.join(root, 'benchmarks/out/s3');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(outDir, { recursive: true });
    const csv = path.join(dataDir, `s3-${rows}.csv`);
    if (!existsSync(csv)) await generate(rows, csv);
    const config = path.join(outDir, 'config.yaml');
    writeFileSync(
      config,
      [
        'settings:',
        `  dead_letter: { path: ${JSON.stringify(path.join(outDir, 'dead-letter'))} }`,
        'datasources:',
        `  readings: { type: csv, path: ${JSON.stringify(csv)} }`,
        'processing_rules:',
        '  - { name: all, threshold_field: id, threshold_type: greater_than, threshold_value: 0, export_target: archive }',
        'export_targets:',
        '  archive:',
        '    type: s3',
        `    bucket: ${bucket}`,
        '    prefix: bench',
        '    format: parquet',
        `    max_records_per_object: ${maxRecords}`,
        ...(rowGroupSize ? [`    parquet: { row_group_size: ${rowGroupSize} }`] : []),
        `    endpoint: ${endpoint}`,
        '    force_path_style: true',
        '    region: us-east-1',
        '    access_key_id: S3RVER',
        '    secret_access_key: S3RVER',
        '    request_checksums: when_required',
        '',
      ].join('\n'),
    );
    result = await timed([process.execPath, path.join(root, 'apps/cli/dist/bin.js'), 'run', '--config', config], { NO_COLOR: '1' });
  }
  if (result.code !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`measured process exited with ${result.code}`);
  }

  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'bench/' }));
  const objects = [];
  for (const { Key } of listed.Contents ?? []) {
    const { ContentLength } = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    const file = {
      byteLength: ContentLength,
      async slice(start, end = ContentLength) {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key, Range: `bytes=${start}-${end - 1}` }));
        const bytes = await out.Body.transformToByteArray();
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      },
    };
    const metadata = await parquetMetadataAsync(file);
    objects.push({ key: Key, bytes: ContentLength, rows: Number(metadata.num_rows), rowGroups: metadata.row_groups.length });
  }
  client.destroy();
  const total = objects.reduce((n, o) => n + o.rows, 0);
  const report = {
    via,
    rows,
    maxRssMiB: +(result.maxRssKiB / 1024).toFixed(1),
    wall: result.wall,
    userSeconds: result.user,
    systemSeconds: result.system,
    objects,
    rowsReadBack: total,
    ...(via === 'exporter' ? { inProcess: JSON.parse(result.stdout.trim().split('\n').pop()) } : {}),
  };
  console.log(JSON.stringify(report, null, 2));
  if (total !== rows) throw new Error(`read back ${total} rows, expected ${rows}`);
} finally {
  server.kill();
  rmSync(directory, { recursive: true, force: true });
}
