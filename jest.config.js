// Jest runs in native ESM mode (see README, "Modules"): TypeScript is compiled by swc,
// dependencies that ship only ES modules (NestJS 12, bpmn-moddle, feelin) load as they are.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];

// @fastify/static (CommonJS, loaded by the api's OpenAPI UI) requires content-disposition 3, an
// ES module: Node >= 20.19 loads it (require(esm)), jest's CommonJS loader does not before
// Node 24.9, so that package is compiled to CommonJS for the tests.
const requiredEsm = '/node_modules/@fastify/static/node_modules/content-disposition/';
const swcCommonJs = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc, [`${requiredEsm}.+\\.js$`]: swcCommonJs },
  transformIgnorePatterns: [`^(?!.*${requiredEsm}).*/node_modules/`],
  moduleNameMapper: {
    '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/test/templates/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
    },
  ],
};
