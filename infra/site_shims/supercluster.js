// Stands in, in the site build (infra/build_site.mjs), for the vendored UMD bundle that
// static_site/engine.js imports for its side effect: supercluster's ES module, set as the same
// global.
import Supercluster from "supercluster";

globalThis.Supercluster = Supercluster;
