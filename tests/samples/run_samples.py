#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The three samples in one cell over a real relay, so none of them can rot:
samples/cpp (supervisor, C++ API) creates the cell with samples/c (IL, C ABI) and
samples/python (SY, echo bot); the C device posts, the bot echoes, the supervisor and the C
device see the echo; then the bot is stopped with SIGTERM.

    run_samples.py RELAY SAMPLE_C SAMPLE_CPP ECHO_BOT   (PARLEY_LIBRARY names libparley.so)
"""
import os
import subprocess
import sys
import tempfile
import threading


def start(cmd, **kw):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, **kw)


def first_line(proc, prefix):
    line = proc.stdout.readline()
    if not line.startswith(prefix):
        raise RuntimeError(f"{proc.args[0]}: expected '{prefix}...', got {line!r}")
    return line[len(prefix):].strip()


def main():
    relay_bin, sample_c, sample_cpp, echo_bot = sys.argv[1:5]
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            relay = start([relay_bin, "--listen", "127.0.0.1:0", "--data", os.path.join(tmp, "relay"),
                           "--registration", "open"])
            procs.append(relay)
            port = first_line(relay, "parley-relay listening on ").rsplit(":", 1)[1]
            # "-": the C sample picks the first channel it may post on from the cell's view
            # (commercial: the template's channels, by name, all posted on by IL).
            c_dev = start([sample_c, "il_c", os.path.join(tmp, "c.db"), "pw-c", port, "-", "hello from C"])
            procs.append(c_dev)
            env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "../../bindings/python"))
            bot = start([sys.executable, echo_bot, "sy_bot", os.path.join(tmp, "bot.db"), "pw-bot", port], env=env)
            procs.append(bot)
            c_key = first_line(c_dev, "identity ")
            bot_key = first_line(bot, "identity ")
            sup = start([sample_cpp, "us_sup", os.path.join(tmp, "sup.db"), "pw-sup", port, "echo: hello from C",
                         f"il_c:IL:{c_key}", f"sy_bot:SY:{bot_key}"])
            procs.append(sup)
            # The members are told the supervisor's anchor out of band (here: on stdin).
            anchor = first_line(sup, "anchor ")
            for member in (c_dev, bot):
                member.stdin.write(anchor + "\n")
                member.stdin.flush()
            timer = threading.Timer(90, lambda: [p.kill() for p in procs])
            timer.start()
            sup_out, _ = sup.communicate()
            c_out, _ = c_dev.communicate()
            bot.terminate()
            bot_out, _ = bot.communicate()
            timer.cancel()
            print(sup_out, c_out, bot_out, sep="")
            ok = (sup.returncode == 0 and c_dev.returncode == 0 and bot.returncode == 0
                  and "commercial il_c.1: hello from C" in sup_out
                  and "commercial sy_bot.1: echo: hello from C" in sup_out
                  and "channel intel (Intelligence sharing): read post" in c_out
                  and "reply from sy_bot.1: echo: hello from C" in c_out)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
