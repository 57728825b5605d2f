// Injected by the site build (infra/build_site.mjs): every free `L` of the pages' modules is
// this import, Leaflet's ES module build bundled with them (unbundled, Leaflet's UMD bundle
// sets the global `L`).
import * as L from "leaflet/dist/leaflet-src.esm.js";

export { L };
