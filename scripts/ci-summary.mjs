// Prints "N passed, N failed[, N skipped]" from vitest's JSON report: the one line CI reads.
// Exits 1 when the report is missing, unreadable, has failures, or ran no test at all.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`ci: no readable vitest report at ${file}: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// Suites that failed to load (syntax errors, import errors) carry no test results; count each as a failure.
const brokenSuites = (report.testResults ?? []).filter(
  (s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0,
).length;
const failed = (report.numFailedTests ?? 0) + brokenSuites;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
