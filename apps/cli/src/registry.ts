import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConnectorDefinition, type ConnectorDefinition, type ConnectorKind, type ConnectorResolver } from '@sluice/core';

/** Which package provides each connector type. Only the packages a config names are imported. */
export const CONNECTOR_PACKAGES: Readonly<Record<ConnectorKind, Readonly<Record<string, string>>>> = {
  source: {
    csv: '@sluice/source-csv',
    postgresql: '@sluice/source-postgres',
    postgres: '@sluice/source-postgres',
    rest_api: '@sluice/source-rest',
    http: '@sluice/source-rest',
  },
  exporter: {
    file: '@sluice/export-file',
    postgresql: '@sluice/export-postgres',
    postgres: '@sluice/export-postgres',
    rest_api: '@sluice/export-rest',
    http: '@sluice/export-rest',
    s3: '@sluice/export-s3',
    redis: '@sluice/export-redis',
  },
};

const SECTION: Record<ConnectorKind, string> = { source: 'datasource', exporter: 'export target' };

function isMissingModule(error: unknown, name: string): boolean {
  const code = (error as { code?: string }).code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name);
}

/**
 * Imports a connector package: first as the CLI itself resolves it, then
 * from the working directory (a project that installed `@sluice/cli` and
 * the connectors it uses side by side).
 */
async function importPackage(name: string, cwd: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    if (!isMissingModule(error, name)) throw error;
  }
  const resolved = createRequire(path.join(cwd, 'package.json')).resolve(name);
  return import(pathToFileURL(resolved).href);
}

/**
 * Resolves `type` → connector definition, loading each package at most once.
 * Unknown types list the known ones; known but missing packages say what to install.
 */
export function createResolver(cwd = process.cwd()): ConnectorResolver {
  const cache = new Map<string, Promise<ConnectorDefinition | { error: string }>>();
  return async (kind: ConnectorKind, type: string): Promise<ConnectorDefinition | { error: string }> => {
    const packages = CONNECTOR_PACKAGES[kind];
    const name = packages[type];
    if (!name) {
      const known = Object.keys(packages).join(', ');
      return { error: `unknown ${SECTION[kind]} type "${type}"; known types: ${known}` };
    }
    let pending = cache.get(name);
    if (!pending) {
      pending = load(name, kind, type, cwd);
      cache.set(name, pending);
    }
    return pending;
  };
}

let warningsFiltered = false;

/**
 * Drops the AWS SDK's NodeVersionSupportWarning: it is about the SDK's future
 * releases, says nothing the user can act on per run, and would interleave
 * with every run's output on Node 20.
 */
function filterDriverWarnings(): void {
  if (warningsFiltered) return;
  warningsFiltered = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? `${warning.name} ${warning.message}` : '';
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'NodeVersionSupportWarning' || text.includes('NodeVersionSupportWarning')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

async function load(name: string, kind: ConnectorKind, type: string, cwd: string): Promise<ConnectorDefinition | { error: string }> {
  filterDriverWarnings();
  let module: unknown;
  try {
    module = await importPackage(name, cwd);
  } catch (error) {
    if (isMissingModule(error, name)) {
      return { error: `${SECTION[kind]} type "${type}" needs the package ${name}, which is not installed: npm install ${name}` };
    }
    return { error: `${name} failed to load: ${(error as Error).message}` };
  }
  const definition = (module as { default?: unknown }).default;
  if (!isConnectorDefinition(definition) || definition.kind !== kind) {
    return { error: `${name} does not default-export a Sluice ${kind} connector (expected { type, kind: '${kind}', schema, create })` };
  }
  return definition;
}

/** Every connector this CLI can load, for `sluice schema`. */
export async function loadAllConnectors(cwd = process.cwd()): Promise<ConnectorDefinition[]> {
  const found: ConnectorDefinition[] = [];
  for (const kind of ['source', 'exporter'] as const) {
    const seen = new Set<string>();
    for (const [type, name] of Object.entries(CONNECTOR_PACKAGES[kind])) {
      if (seen.has(name)) continue;
      seen.add(name);
      const definition = await load(name, kind, type, cwd);
      if (!('error' in definition)) found.push(definition);
    }
  }
  return found;
}
