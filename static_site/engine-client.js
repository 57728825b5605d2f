// @ts-check
// The page's handle on the map data (engine.js): in a module Web Worker where the browser has
// them, else in the page itself. Every call answers a Promise either way.

const WORKER_START_TIMEOUT_MS = 5000;

class WorkerEngine {
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    this.nextId = 1;
    worker.addEventListener("message", ({ data: { id, result, error } }) => {
      const call = this.pending.get(id);
      if (!call) return;
      this.pending.delete(id);
      if (error === undefined) call.resolve(result);
      else call.reject(new Error(error));
    });
  }

  call(method, ...args) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args });
    });
  }
}

class LocalEngine {
  constructor(data) {
    this.data = data;
  }

  async call(method, ...args) {
    return this.data[method](...args);
  }
}

function startWorker() {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      // The site build names its content-hashed worker (infra/build_site.mjs); unbundled, the
      // module beside this one.
      const script = globalThis.KMZB_CLUSTER_WORKER ?? "./cluster-worker.js";
      worker = new Worker(new URL(script, import.meta.url), { type: "module" });
    } catch (error) {
      reject(error);
      return;
    }
    const timer = setTimeout(() => fail(new Error("the map worker did not start")),
      WORKER_START_TIMEOUT_MS);
    function fail(error) {
      clearTimeout(timer);
      worker.terminate();
      reject(error);
    }
    worker.addEventListener("error", (event) => fail(new Error(event.message || "worker error")),
      { once: true });
    worker.addEventListener("message", ({ data }) => {
      if (data.id !== 0) return;
      clearTimeout(timer);
      resolve(new WorkerEngine(worker));
    }, { once: true });
  });
}

/** The engine: `call(method, ...args)` runs a MapData method (see engine.js). */
export async function createEngine() {
  try {
    return await startWorker();
  } catch (error) {
    console.warn("Map data in the page, not in a worker:", error);
    const { MapData } = await import("./engine.js");
    return new LocalEngine(new MapData());
  }
}
