// Layering of src-main (docs/ARCHITECTURE.md, "Layers"), checked by `npm run lint`.
// A folder imports only its own files and folders of LOWER layers; folders of the same
// layer never import each other, so no cycle between folders is possible. The renderer
// imports only src-main/common/ (pure modules) and the IPC contract's types.
// test/unit/lint/layers.test.ts proves each rule fires on a fixture tree.

/** Lowest first. Keep in step with docs/ARCHITECTURE.md. */
const LAYERS = [
  ['common', 'errors', 'files'],
  ['rules'],
  ['runtime'],
  ['store', 'tls'],
  ['card', 'imap', 'psc', 'smtp', 'xdm', 'images'],
  ['trust', 'results'],
  ['accounts', 'sync', 'print'],
  ['send'],
  ['audit', 'ipc'],
  ['app'],
  ['cli', 'shell'],
];

const root = process.env.LAYERS_ROOT ?? 'src-main';
const rendererRoot = process.env.LAYERS_RENDERER_ROOT ?? 'src-renderer';
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const R = esc(root);
const all = LAYERS.flat();

const layerRules = LAYERS.flatMap((layer, level) => {
  const higherOrPeer = LAYERS.slice(level + 1).flat();
  return layer.map((folder) => ({
    name: `layer-${folder}`,
    comment: `${root}/${folder} (layer ${level}) imports only lower layers: not ${[...layer.filter((f) => f !== folder), ...higherOrPeer].join(', ') || 'anything higher'}`,
    severity: 'error',
    from: { path: `^${R}/${esc(folder)}/` },
    to: { path: `^${R}/(${[...layer.filter((f) => f !== folder), ...higherOrPeer].map(esc).join('|')})/` },
  }));
}).filter((rule) => !rule.to.path.endsWith('()/'));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unlisted',
      comment: `every folder of ${root} has a layer (.dependency-cruiser.cjs LAYERS, docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: `^${R}/`, pathNot: `^${R}/(${all.map(esc).join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import cycle between modules (a cycle made only of type imports is erased at run time)',
      severity: 'error',
      from: { path: `^${R}/` },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'renderer-only-common',
      comment: `the renderer imports only ${root}/common/ (pure modules) and the types of the IPC contract`,
      severity: 'error',
      from: { path: `^${esc(rendererRoot)}/` },
      to: { path: `^${R}/`, pathNot: [`^${R}/common/`, `^${R}/ipc/contract\\.ts$`] },
    },
    {
      name: 'renderer-contract-types-only',
      comment: 'the renderer takes only types from the IPC contract (no zod at run time)',
      severity: 'error',
      from: { path: `^${esc(rendererRoot)}/` },
      to: { path: `^${R}/ipc/contract\\.ts$`, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    tsConfig: { fileName: process.env.LAYERS_TSCONFIG ?? 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
