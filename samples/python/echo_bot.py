#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bot that echoes every channel message it may answer, on the same channel.

    echo_bot.py USER STORE PASSPHRASE RELAY_PORT

It connects first, so that the relay knows the bot before anyone sends it a Welcome, then
prints "identity HEX": give that key to the supervisor, who adds the bot to a cell.
It then reads the supervisor's join anchor ("parley-supervisor:HEX") as one line on stdin:
only cells that supervisor created join it.
It runs until SIGTERM or Ctrl-C (readers may need its channel keys while it is online).
(The bot that acknowledges FLASH messages comes with the hotline's acknowledgements.)
"""
import argparse
import signal
import sys

import parley


def main():
    ap = argparse.ArgumentParser()
    for name in ("user", "store", "passphrase"):
        ap.add_argument(name)
    ap.add_argument("relay_port", type=int)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leaves through the context manager

    with parley.Client(args.user, args.store, passphrase=args.passphrase, relay_port=args.relay_port) as bot:
        bot.start()
        bot.wait_for(lambda e: e.kind == parley.EventKind.CONNECTED, timeout=30)
        print("identity", bot.identity_key.hex(), flush=True)
        bot.add_join_anchor(sys.stdin.readline().strip())
        for event in bot.events():
            if event.kind != parley.EventKind.CHANNEL_MESSAGE_RECEIVED or event.text.startswith("echo: "):
                continue
            # The cell's view says whether this device may post there now (the SDK computes it).
            channel = bot.cell(event.cell).channel(event.channel)
            if channel is None or not channel.can_post:
                print(f"not echoed on {event.channel}: no POST there", file=sys.stderr, flush=True)
                continue
            try:
                bot.post(event.cell, event.channel, f"echo: {event.text}")
            except parley.ParleyError as e:  # e.g. no POST on that channel
                print(f"not echoed on {event.channel}: {e}", file=sys.stderr, flush=True)
                continue
            print(f"echoed {event.peer}: {event.text}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
