import { describe, expect, it } from 'vitest';
import { checkPattern, MAX_PATTERN_LENGTH } from '../src/rules/regex-safety.js';

const unsafe = [
  '(a+)+',
  '(a|a)*',
  '(.*)*',
  '(a|ab)+',
  '(a*)*b',
  '(\\w+\\s?)+$',
  '(a{1,3})+',
  '(a?){30}a{30}',
  '(x+x+)+y',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '\\d+\\d+x',
  '.*.*=.*',
  'a*a?a*',
  '\\d+\\.?\\d+',
  '(a|)+',
  '(?:a|b|ab)*c',
  'x(?:(?:a+)b)*',
  '(\\w|\\d)+!',
];
const safe = [
  '(foo|bar)+',
  '(\\d{1,3}\\.){3}\\d{1,3}',
  '^\\w+@\\w+\\.com$',
  '.*error.*',
  '(\\s|,)+',
  '[a-z]+[0-9]+',
  '\\w+\\s+\\w+',
  '^ERR-\\d{4}$',
  '(?:ab|cd)*',
  '\\s*,\\s*',
  '(\\s|\\w|,)+!',
  'timeout|refused|reset',
  '^[A-Z]{2}-\\d+$',
  '[]a',
  'a{',
];

describe('checkPattern', () => {
  it.each(unsafe)('rejects %s', (source) => {
    expect(checkPattern(source, '')).toMatch(/is unsafe/);
  });
  it.each(safe)('accepts %s', (source) => {
    expect(checkPattern(source, '')).toBeUndefined();
  });
  it('handles unicode property escapes', () => {
    expect(checkPattern('\\p{L}+\\s\\d+', 'u')).toBeUndefined();
    expect(checkPattern('(\\p{L}+)+', 'u')).toMatch(/nested quantifiers/);
  });
  it('rejects backreferences', () => {
    expect(checkPattern('(a)\\1', '')).toMatch(/backreferences/);
    expect(checkPattern('(?<n>a)\\k<n>', '')).toMatch(/backreferences/);
  });
  it('rejects stateful and unknown flags', () => {
    expect(checkPattern('a', 'g')).toMatch(/flag "g" is not allowed/);
    expect(checkPattern('a', 'y')).toMatch(/flag "y"/);
    expect(checkPattern('a', 'ii')).toMatch(/repeat/);
    expect(checkPattern('a', 'imsu')).toBeUndefined();
  });
  it('rejects invalid syntax and overlong patterns', () => {
    expect(checkPattern('(', '')).toMatch(/invalid regular expression/);
    expect(checkPattern('a'.repeat(MAX_PATTERN_LENGTH + 1), '')).toMatch(/limit is 512/);
  });
  it('respects the i flag when comparing alternatives', () => {
    expect(checkPattern('(a|B)+', '')).toBeUndefined();
    expect(checkPattern('(a|A)+', 'i')).toMatch(/same character/);
  });
});
