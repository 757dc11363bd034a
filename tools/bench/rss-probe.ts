/**
 * Preloaded into the fdwmig child process (`node --import`): on exit, writes the process's peak
 * resident set size (getrusage's ru_maxrss, in KiB) to the file FDWMIG_BENCH_RSS_FILE names.
 * Exact, where sampling /proc/<pid>/status could miss a peak just before exit.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.FDWMIG_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
