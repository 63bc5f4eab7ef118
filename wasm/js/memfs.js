// SPDX-License-Identifier: GPL-3.0-or-later
// Stores in Emscripten's in-memory file system: what Node uses, and what `persistent: false`
// gives in the browser. A commit is "durable" at once: nothing there outlives the process.

async function openStoreInMemory(m, path) {
  mkdirs(m, parentOf(path));
  return { path, durable: true, persist: () => Promise.resolve(), close: () => Promise.resolve() };
}

function parentOf(path) {
  return path.replace(/\/[^/]*$/, '') || '/';
}

function mkdirs(m, dir) {
  let at = '';
  for (const part of dir.split('/').filter(Boolean)) {
    at += '/' + part;
    try { m.FS.mkdir(at); } catch (e) { /* exists */ }
  }
}
