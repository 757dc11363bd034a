/**
 * The layer rule (docs/ARCHITECTURE.md), checked by `make lint` and by
 * test/unit/architecture/layers.test.ts. Layers from the top: a folder may import its own
 * layer and the layers below it, never one above. The two modes never import each other.
 */
const LAYERS = [
  ['cli'], // commander wiring, output, progress; the one error boundary
  ['fdw', 'replication'], // the two modes' commands
  ['verify', 'sequences'], // what both modes share
  ['exec'], // connections, transactions, running plans, moving rows
  ['plan'], // pure planners: model in, SQL steps out
  ['introspect'], // catalog reads: static sql/ plus a pure reducer
  ['state'], // fdwmig's state tables: the only code that names them
  ['sql', 'config', 'errors', 'version'], // quoting, the Queryable, configuration, errors
];

/** A folder src/<name>/ or a file src/<name>.ts. */
const at = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;

const layerRules = LAYERS.slice(1).map((layer, i) => ({
  name: `layer-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import a layer above it (${LAYERS.slice(0, i + 1)
    .flat()
    .join(', ')})`,
  severity: 'error',
  from: { path: at(layer) },
  to: { path: at(LAYERS.slice(0, i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'modes-apart',
      comment: 'the FDW mode and the replication mode share code only through the layers below them',
      severity: 'error',
      from: { path: at(['fdw']) },
      to: { path: at(['replication']) },
    },
    {
      name: 'modes-apart-back',
      comment: 'the FDW mode and the replication mode share code only through the layers below them',
      severity: 'error',
      from: { path: at(['replication']) },
      to: { path: at(['fdw']) },
    },
    {
      name: 'product-not-tools',
      comment: 'the product (src/) never imports the tools or the tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test)/' },
    },
    {
      name: 'pg-only-in-exec',
      comment: 'only src/exec/ opens connections: elsewhere pg is imported for its types alone',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/exec/' },
      to: { path: 'node_modules/(pg|pg-copy-streams)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pg-format-only-in-sql',
      comment: 'one quoting module: src/sql/quote.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sql/quote\\.ts$' },
      to: { path: 'node_modules/pg-format/' },
    },
    {
      name: 'cli-libraries-only-in-cli',
      comment: 'commander and cli-progress belong to the command line',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: 'node_modules/(commander|cli-progress)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|tools)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
