import { StringDecoder } from 'node:string_decoder';

/** Decodes bytes in one encoding, keeping multi-byte characters split across chunks whole. */
export interface ChunkDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
}

/**
 * A streaming decoder for a Buffer encoding (utf8, latin1, utf16le) or any
 * WHATWG label Node knows (windows-1252, iso-8859-15, shift_jis...; `ascii`
 * is one: windows-1252).
 * Throws a RangeError for an unknown encoding.
 */
export function createDecoder(encoding: string): ChunkDecoder {
  // Node's `ascii` masks each byte to 7 bits (é becomes i): the WHATWG label (windows-1252) keeps every byte's character.
  if (Buffer.isEncoding(encoding) && !['base64', 'base64url', 'hex', 'ascii'].includes(encoding.toLowerCase())) {
    const decoder = new StringDecoder(encoding);
    return { write: (chunk) => decoder.write(chunk as Buffer), end: () => decoder.end() };
  }
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  return { write: (chunk) => decoder.decode(chunk, { stream: true }), end: () => decoder.decode() };
}

/** Decodes a byte stream into text chunks, dropping a leading byte order mark. */
export async function* decodeText(chunks: AsyncIterable<Uint8Array>, encoding: string): AsyncGenerator<string> {
  const decoder = createDecoder(encoding);
  let first = true;
  for await (const chunk of chunks) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  let text = decoder.end();
  if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length > 0) yield text;
}
