"""Starts the server binary under test like tests/common/mod.rs does: fresh temp data dir,
`superuser upsert`, `serve` on a free 127.0.0.1 port, bounded wait for /api/health.
LB_TEST_BIN picks the binary (default: <repo>/target/debug/lifebase)."""

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

SUPERUSER_EMAIL = "root@example.com"
SUPERUSER_PASSWORD = "Sup3r-secret-pass"
START_TIMEOUT = 15.0


def binary() -> str:
    default = Path(__file__).resolve().parents[2] / "target" / "debug" / "lifebase"
    return os.environ.get("LB_TEST_BIN") or str(default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    bin_ = binary()
    with tempfile.TemporaryDirectory(prefix="lifebase-py-") as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run(
            [bin_, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", data],
            check=True, capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
        )
        port = free_port()
        err_path = os.path.join(tmp, "server.err")
        with open(os.path.join(tmp, "server.out"), "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(
                [bin_, "serve", "--http", f"127.0.0.1:{port}", "--dir", data],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"server {bin_} did not answer GET {url}/api/health = 200 within "
                        f"{START_TIMEOUT}s (exit: {proc.poll()})\n--- stderr ---\n"
                        + Path(err_path).read_text()
                    )
                try:
                    with urllib.request.urlopen(f"{url}/api/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                time.sleep(0.05)
            yield url
        finally:
            proc.kill()
            proc.wait(timeout=10)
