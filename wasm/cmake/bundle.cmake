# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DCORE=js/core.js -DOUT=pkg -P bundle.cmake
# Wraps the one API source in its two flavours: an ES module for browsers and CommonJS for
# Node (Emscripten 3.1.6's ES-module output does not load under Node 20).
file(READ ${CORE} core)
set(exports "init, ParleyError")
file(WRITE ${OUT}/parley.mjs
  "// SPDX-License-Identifier: GPL-3.0-or-later\n// Generated from wasm/js/core.js: ES module flavour.\n"
  "import factory from './parley_wasm.mjs';\nconst loadModule = (options) => factory(options);\n"
  "${core}\nexport { ${exports} };\n")
file(WRITE ${OUT}/parley.cjs
  "// SPDX-License-Identifier: GPL-3.0-or-later\n// Generated from wasm/js/core.js: CommonJS flavour.\n'use strict';\n"
  "const factory = require('./parley_wasm_node.cjs');\nconst loadModule = (options) => factory(options);\n"
  "${core}\nmodule.exports = { ${exports} };\n")
