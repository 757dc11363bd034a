/**
 * The real process I/O behind {@link CliIo}.
 */
import { readFile } from 'node:fs/promises';
import type { CliIo } from './context.js';

// A reader that stops early (`fdwmig --help | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
};
