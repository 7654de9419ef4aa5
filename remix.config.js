/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  // recharts and its d3 dependencies ship ESM only; bundle them into the server build, with the
  // CommonJS helpers recharts imports by deep paths without extensions (lodash/get, …), which
  // Node's own ESM loader cannot resolve: `npm start` runs the build without a TypeScript loader.
  serverDependenciesToBundle: [/^recharts/, /^d3-/, /^internmap/, /^victory-vendor/, /^lodash/, /^react-smooth/, /^decimal\.js-light/],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: false,
    v3_singleFetch: false,
  },
};
