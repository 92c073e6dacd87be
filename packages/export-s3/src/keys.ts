import { compileTemplate, runPlaceholders, type CompiledTemplate, type ExportRun } from '@sluice/core';

/** Renders object keys for one session: `prefix/` + the template with run values and `{part}`. */
export type KeyRenderer = (part: number) => string;

/** Compiles `key_template` once; call the result per session. */
export function compileKeys(prefix: string, keyTemplate: string, extension: string): (run: ExportRun) => KeyRenderer {
  const template: CompiledTemplate = compileTemplate(keyTemplate);
  const head = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return (run) => {
    const values = runPlaceholders(run);
    values.set('ext', extension);
    return (part) => {
      const partText = String(part).padStart(5, '0');
      const rendered = template.render((name) => (name === 'part' ? partText : values.get(name)));
      // Every placeholder is a run value, so rendering only fails on a schema bug.
      if (rendered === undefined) throw new Error(`key_template "${keyTemplate}" has a placeholder without a value`);
      return head + rendered;
    };
  };
}
