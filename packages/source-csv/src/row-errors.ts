/** Why a CSV row could not become a record. */
export type RowErrorCode =
  | 'ragged_row'
  | 'invalid_opening_quote'
  | 'invalid_closing_quote'
  | 'unclosed_quote'
  | 'invalid_value'
  | 'malformed_row';

const MESSAGES: Record<Exclude<RowErrorCode, 'ragged_row' | 'invalid_value' | 'malformed_row'>, string> = {
  invalid_opening_quote: 'invalid opening quote: a quote inside an unquoted field',
  invalid_closing_quote: 'invalid closing quote: a closing quote must be followed by a delimiter or a line end',
  unclosed_quote: 'unclosed quote: a quoted field runs to the end of the input',
};

/** The error handed to `ctx.reject` for a malformed row; `code` is stable. */
export class CsvRowError extends Error {
  readonly code: RowErrorCode;
  constructor(code: RowErrorCode, message?: string) {
    super(message ?? MESSAGES[code as keyof typeof MESSAGES] ?? code);
    this.name = 'CsvRowError';
    this.code = code;
  }
}

/** Maps csv-parse's error codes onto ours, so both tokenizers reject alike. */
export function fromCsvParseCode(code: string | undefined): RowErrorCode | undefined {
  switch (code) {
    case 'INVALID_OPENING_QUOTE':
      return 'invalid_opening_quote';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'invalid_closing_quote';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'unclosed_quote';
    default:
      return undefined;
  }
}
