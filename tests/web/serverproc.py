"""Starts `policy-calc serve --addr 127.0.0.1:0` and reads the address it listens on."""

import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary():
    return os.environ.get("POLICY_CALC_BIN", os.path.join(ROOT, "target", "debug", "policy-calc"))


class Server:
    """The server as a child process, on a port the system chooses; stopped with SIGTERM."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [binary(), "serve", "--addr", "127.0.0.1:0"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 20
        self.url = None
        self.log = []
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m:
                self.url = m.group(1)
                break
        if self.url is None:
            self.proc.kill()
            sys.exit("the server did not start:\n" + "".join(self.log))
        # Keep draining the log so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise SystemExit("the server did not stop within 10 s of SIGTERM")
        if code != 0:
            raise SystemExit(f"the server exited with {code} on SIGTERM")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()
