import { z } from '../vendor/zod.js';
import type { ConnectorDefinition } from '../types.js';
import { ruleSchema } from '../rules/schema.js';
import { settingsSchema } from './schema.js';

function sectionSchema(definitions: readonly ConnectorDefinition[], what: string): z.ZodType {
  const variants = definitions.map((definition) => {
    const typeField = z.enum([definition.type, ...(definition.aliases ?? [])] as [string, ...string[]]).describe(`Connector type (${definition.type}).`);
    const schema = definition.schema as z.ZodType & { extend?: (shape: Record<string, z.ZodType>) => z.ZodType };
    return typeof schema.extend === 'function' ? schema.extend({ type: typeField }) : z.intersection(z.object({ type: typeField }), schema);
  });
  const value = variants.length === 0 ? z.looseObject({ type: z.string() }) : variants.length === 1 ? variants[0]! : z.union(variants as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return z.record(z.string(), value).describe(what);
}

/**
 * The JSON Schema of a whole config: core's envelope plus every given
 * connector's options, for editor autocompletion (`sluice schema`).
 */
export function buildJsonSchema(definitions: readonly ConnectorDefinition[]): Record<string, unknown> {
  const sources = definitions.filter((definition) => definition.kind === 'source');
  const exporters = definitions.filter((definition) => definition.kind === 'exporter');
  const config = z
    .strictObject({
      settings: settingsSchema.optional(),
      datasources: sectionSchema(sources, 'Named datasources: where records are read from.'),
      processing_rules: z.array(ruleSchema).describe('Rules: which records to keep and where to send them.'),
      export_targets: sectionSchema(exporters, 'Named export targets: where matched records are delivered.'),
    })
    .describe('A Sluice pipeline.');
  const schema = z.toJSONSchema(config, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema>;
  for (const key of ['datasources', 'export_targets']) {
    const section = properties[key]!;
    section.additionalProperties = byType(section.additionalProperties as JsonSchema);
  }
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Sluice pipeline', ...(allowVariables(schema) as JsonSchema) };
}

type JsonSchema = Record<string, unknown>;

/**
 * A section's connectors chosen by their `type`: an editor then checks and
 * completes only the chosen connector's options (a plain union makes it
 * list every connector's required options at the first mistake).
 */
function byType(value: JsonSchema): JsonSchema {
  const variants = (value.anyOf ?? value.oneOf) as JsonSchema[] | undefined;
  if (variants === undefined) return value;
  const typesOf = (variant: JsonSchema): unknown[] => (((variant.properties as Record<string, JsonSchema>)?.type?.enum as unknown[]) ?? []);
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { description: 'Connector type.', enum: variants.flatMap(typesOf) } },
    allOf: variants.map((variant) => ({ if: { properties: { type: { enum: typesOf(variant) } }, required: ['type'] }, then: variant })),
  };
}

/** `${VAR}` or `${VAR:-default}` alone: what a number, boolean or choice may be written as (interpolation fills it in). */
const VARIABLE_ONLY = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$' };
/** Text holding a `${VAR}` somewhere: what a URL or another checked string may be written as. */
const HOLDS_VARIABLE = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' };

/**
 * Lets a value be written as the config file may write it: interpolation
 * runs before validation, so `port: ${PGPORT:-5432}` or
 * `url: ${API_URL}` are valid configs, and the editor must not flag them.
 */
function allowVariables(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowVariables);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    // `properties` and the like map names to schemas; `enum`, `const`, `default`, `examples` hold values.
    out[key] = ['enum', 'const', 'default', 'examples', 'required'].includes(key) ? value : allowVariables(value);
  }
  const type = out.type;
  const checked = out.enum !== undefined || out.const !== undefined;
  let alternative: JsonSchema | undefined;
  if (type === 'integer' || type === 'number' || type === 'boolean' || (checked && type !== 'object' && type !== 'array')) alternative = VARIABLE_ONLY;
  else if (type === 'string' && (out.pattern !== undefined || out.format !== undefined)) alternative = HOLDS_VARIABLE;
  if (alternative === undefined) return out;
  // Described once, on the whole: an editor shows the outer description and default.
  const { description, default: fallback, ...rest } = out;
  return { ...(description === undefined ? {} : { description }), ...(fallback === undefined ? {} : { default: fallback }), anyOf: [rest, alternative] };
}
