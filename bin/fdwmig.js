#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ by `npm ci` (the
// prepare script) or `npm run build`.

// pg, when loaded, asks whether it runs in a Cloudflare Worker: through `navigator` where the
// runtime has one (Node 21 and later), else by constructing a `Response`, which on Node 20
// loads Node's whole fetch implementation (about 30 ms of every start, on this project's
// machine). For the load alone, `navigator` is given the one field that check reads, as Node 21
// has it; it is removed again before anything runs.
const shim = typeof globalThis.navigator === 'undefined';
if (shim) globalThis.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
const { main } = await import('../dist/bundle/fdwmig.js');
if (shim) delete globalThis.navigator;

const code = await main(process.argv);
process.exitCode = code;
// Once main() has returned, nothing is left to do: a socket a crashed server never closed must
// not keep the process alive. The timer is unref'd, so a clean exit does not wait for it.
setTimeout(() => process.exit(code), 1_000).unref();
