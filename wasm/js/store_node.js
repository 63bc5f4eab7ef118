// SPDX-License-Identifier: GPL-3.0-or-later
// Where a store lives under Node (parley.cjs): the in-memory file system (memfs.js), as the
// Node tests use it.

function openStore(m, path) {
  return openStoreInMemory(m, path);
}
