// The CLI as one bundle (dist/bundle/), which bin/fdwmig.js runs: Node then loads a few files
// instead of about 200 ES modules, which took 80 ms of every command's start (measured with
// `fdwmig --version`: 0.18 s from dist/cli/, 0.10 s from the bundle). tsc still type-checks and
// writes dist/, the bundle's input. sql/ and package.json are found from the nearest package.json
// above the running file, from dist/bundle/ as from dist/cli/.
// Left out of the bundle: pg-format (it requires a file by __dirname), pg-native (pg's optional
// native binding, never installed) and testcontainers (only the Docker provider loads it).
export default {
  input: { fdwmig: 'dist/cli/main.js' },
  platform: 'node',
  external: ['pg-format', 'pg-native', /^testcontainers(\/|$)/],
  output: { dir: 'dist/bundle', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};
