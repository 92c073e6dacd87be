/** Splits decoded text into rows for a {@link RowSink}. */
export interface Tokenizer {
  /** Feeds the next chunk of text; complete rows are delivered at once. */
  write(chunk: string): void;
  /** Ends the input: delivers the last row, rejects an unclosed quote. */
  end(): void;
}
