/** The developer CLI as a program: `node dist-tools/tools/dev/main.js <command>` (see cli.ts). */
import { devMain } from './cli.js';

const code = await devMain(process.argv);
process.exitCode = code;
// As bin/fdwmig.js: once devMain() has returned, a socket a crashed server never closed must
// not keep the process alive. The timer is unref'd, so a clean exit does not wait for it.
setTimeout(() => process.exit(code), 1_000).unref();
