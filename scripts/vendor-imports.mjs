// For the packages that bundle a dependency (scripts/vendor.mjs): the files
// under their `src` that load it at run time other than through src/vendor,
// which would load its many modules again (and a second copy of it).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'vendor' ? [] : sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/** Paths (relative to `src`) of the files that import or require one of `names` (or a subpath) at run time. */
export function importsOutsideVendor(src, names) {
  const alternatives = names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  const runtimeImport = new RegExp(`^(?:import|export)\\s+(?!type\\b)[^;]*from\\s+'(?:${alternatives})(?:/[^']*)?'|require\\('(?:${alternatives})(?:/[^']*)?'\\)`, 'm');
  return sources(src)
    .filter((file) => runtimeImport.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(src, file));
}
