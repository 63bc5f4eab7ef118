# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DJS=wasm/js -DOUT=pkg -DTABLES=tables.js -P bundle.cmake
# Concatenates the API sources (each one concern, see wasm/js) into its three files:
# - parley.mjs: the page's ES module, a proxy to the Worker (browsers);
# - parley-worker.mjs: the dedicated Worker running the SDK over OPFS (browsers);
# - parley.cjs: the SDK in-process for Node (Emscripten 3.1.6's ES-module output does not
#   load under Node 20).
# Every flavour starts with the generated error and event tables (wasm/tools/js_tables.cpp).
function(concat out)
  file(READ ${TABLES} tables)
  set(text "\n// --- tables.js (generated) ---\n${tables}")
  foreach(name ${ARGN})
    file(READ ${JS}/${name} part)
    string(APPEND text "\n// --- ${name} ---\n${part}")
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(head "// SPDX-License-Identifier: GPL-3.0-or-later\n// Generated from wasm/js by wasm/cmake/bundle.cmake")
concat(page common.js proxy.js)
file(WRITE ${OUT}/parley.mjs "${head}: the page's ES module.\n${page}\nexport { init, ParleyError, ErrorCode, EventTypes };\n")
concat(worker common.js memfs.js opfs_pool.js store_browser.js core.js worker.js)
file(WRITE ${OUT}/parley-worker.mjs "${head}: the SDK's Worker.\n"
  "import factory from './parley_wasm.mjs';\nconst loadModule = (options) => factory(options);\n${worker}")
concat(node common.js memfs.js store_node.js core.js)
file(WRITE ${OUT}/parley.cjs "${head}: CommonJS flavour (Node).\n'use strict';\n"
  "const factory = require('./parley_wasm_node.cjs');\nconst loadModule = (options) => factory(options);\n"
  "${node}\nmodule.exports = { init, ParleyError, ErrorCode, EventTypes };\n")
