// Prints vitest's counts as one plain closing line, "N passed, N failed, N skipped",
// from the JSON results that vitest.config.ts writes when FDWMIG_TEST_RESULTS is set. CI's
// record reads a run's closing line, and vitest's own summary is not one it knows.
// A test file that failed to load (a syntax error, a failing hook) counts as one failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let r;
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`no test results in ${file}: ${err.message}`);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
const brokenFiles = (r.testResults ?? []).filter(
  (f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'),
).length;
const failed = r.numFailedTests + brokenFiles;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || r.numPassedTests === 0 ? 1 : 0);
