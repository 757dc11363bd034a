/** Run main() with in-memory I/O and capture what it prints. */
import type { CliIo } from '../../../src/cli/context.js';
import { main } from '../../../src/cli/main.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
}

export async function runMain(args: string[], { env = {}, files = {} }: RunOptions = {}): Promise<RunResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    isTTY: false,
    env,
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
  };
  const code = await main(['node', 'fdwmig', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}
