// What the pages' modules take from outside the module graph (for `tsc --noEmit`).

/** Leaflet, from its UMD bundle (unbundled pages) or injected by the build (infra/build_site.mjs). */
declare const L: any;

/** supercluster's UMD bundle sets it (static_site/vendor/supercluster/supercluster.min.js). */
declare var Supercluster: any;

/** The content-hashed cluster worker's address, defined by the build; unset unbundled. */
declare var KMZB_CLUSTER_WORKER: string | undefined;
