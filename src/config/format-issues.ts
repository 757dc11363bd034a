/**
 * Turn zod issues into one bullet per problem, each naming its path:
 * `- batchSize: expected a whole number from 1 to 1000000`.
 */
import type { z } from 'zod';

/** Render every issue as `- <path>: <problem>`; unknown keys get one bullet each. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], knownKeys: readonly string[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `- ${formatPath([...issue.path, key])}: ${describeUnknownKey(key, knownKeys)}`);
    }
    return [`- ${formatPath(issue.path)}: ${stripZodPrefix(issue.message)}`];
  });
}

/** `["tables", 0]` -> `tables[0]`; the root is shown as `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function describeUnknownKey(key: string, knownKeys: readonly string[]): string {
  const near = findNearKey(key, knownKeys);
  return near === undefined ? 'unknown key' : `unknown key (did you mean '${near}'?)`;
}

/** A known key spelt the same apart from case, `_` and `-` (`batch_size` -> `batchSize`). */
function findNearKey(key: string, knownKeys: readonly string[]): string | undefined {
  const normalize = (text: string): string => text.toLowerCase().replace(/[_-]/g, '');
  return knownKeys.find((known) => normalize(known) === normalize(key));
}

function stripZodPrefix(message: string): string {
  return message.replace(/^Invalid (input|option): /, '');
}
