#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ by `npm ci` (the
// prepare script) or `npm run build`.
import { main } from '../dist/bundle/fdwmig.js';

const code = await main(process.argv);
process.exitCode = code;
// Once main() has returned, nothing is left to do: a socket a crashed server never closed must
// not keep the process alive. The timer is unref'd, so a clean exit does not wait for it.
setTimeout(() => process.exit(code), 1_000).unref();
