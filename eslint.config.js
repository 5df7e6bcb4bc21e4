// Lint: typescript-eslint's recommended rules plus the project's own conventions (named exports only, no
// Math.random in engine code) and the one-way layer imports of DESIGN.md ("Layers").
import tseslint from 'typescript-eslint';

/** Layer order, bottom first: a folder may import only folders earlier in this list. */
const LAYERS = ['core', 'numerics', 'instruments', 'market', 'pricing', 'scenarios', 'revaluation', 'portfolio', 'risk', 'models', 'agreement', 'charts', 'calibration', 'backtest', 'stress', 'engine', 'store', 'bus', 'server', 'cli', 'app'];
/**
 * Siblings in that list (the history workflows, the adapters, the faces): the later may not import the earlier
 * either. Shared code sits in a lower layer instead (numerics/ for estimators, charts/ for report charts), and the
 * CLI starts the server only through the composition root (src/app/), never by importing it.
 */
const SIBLINGS = { backtest: ['calibration'], stress: ['calibration', 'backtest'], bus: ['store'], cli: ['server'] };

const layerRules = LAYERS.map((layer, i) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [...LAYERS.slice(i + 1), ...(SIBLINGS[layer] ?? [])].map((above) => ({
          group: [`**/${above}/*`, `**/${above}/**`],
          message: `${layer}/ may not import ${above}/ (layers import downwards only; see docs/architecture.md)`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  // src/numerics/wasm/ is AssemblyScript (built by scripts/build-wasm.mjs), not TypeScript.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/numerics/wasm/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (project convention).' },
        { selector: "ThrowStatement > NewExpression[callee.name='Error']", message: 'Throw a CrossmarginError from the catalogue.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the seeded generator.' }],
    },
  },
  {
    // Tests may throw plain errors from their own helpers; config files must default-export for their tools.
    files: ['**/*.test.ts', 'test/**/*.ts', '**/*.config.ts', '*.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layerRules,
);
