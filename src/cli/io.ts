/**
 * The real process I/O behind {@link CliIo}.
 */
import { readFile } from 'node:fs/promises';
import type { CliIo } from './context.js';

export const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
};
