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
  const schema = z.toJSONSchema(config, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Sluice pipeline', ...schema };
}
