/** Splits decoded text into rows for a {@link RowSink}. */
export interface Tokenizer {
  /** Line number of the next unread character (where a failure is reported). */
  readonly nextLine: number;
  /** Feeds the next chunk of text; complete rows are delivered at once. */
  write(chunk: string): void;
  /** Ends the input: delivers the last row, rejects an unclosed quote. */
  end(): void;
}
