// Households saved on this device while there was no signal, in IndexedDB, keyed by their UUID
// (the server's idempotency key: sending one twice stores it once). Each entry keeps the body
// as typed, when it was saved and, once the server has refused it, why.
(function () {
  "use strict";
  const DATABASE = "edumap";
  const STORE = "household_outbox";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "uuid" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = work(transaction.objectStore(STORE));
        transaction.oncomplete = () => resolve(request ? request.result : undefined);
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  }

  window.edumapOutbox = {
    put: (entry) => run("readwrite", (store) => store.put(entry)),
    remove: (uuid) => run("readwrite", (store) => store.delete(uuid)),
    get: (uuid) => run("readonly", (store) => store.get(uuid)),
    all: async () => {
      const entries = await run("readonly", (store) => store.getAll());
      return entries.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
    },
  };
})();
