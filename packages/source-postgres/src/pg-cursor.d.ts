declare module 'pg-cursor' {
  interface CursorConfig {
    types?: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
    rowMode?: 'array';
  }
  class Cursor {
    constructor(text: string, values?: readonly unknown[], config?: CursorConfig);
    read(rows: number): Promise<Record<string, unknown>[]>;
    close(): Promise<void>;
    submit(connection: unknown): void;
  }
  export default Cursor;
}
