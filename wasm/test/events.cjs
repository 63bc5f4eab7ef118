// SPDX-License-Identifier: GPL-3.0-or-later
// Waiting for a device's events in the Node tests.
'use strict';

// The next event of `device` that `match` accepts, or a rejection after `ms` naming the wait.
function nextEvent(device, match, ms = 30000) {
  const error = new Error(`timed out waiting for an event: ${match}`);  // made here: names the caller
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(error); }, ms);
    const off = device.onEvent((event) => {
      if (match(event)) { clearTimeout(timer); off(); resolve(event); }
    });
  });
}

module.exports = { nextEvent };
