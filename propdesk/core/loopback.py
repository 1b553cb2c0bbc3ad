"""Processes on loopback — for the deployment tests (tests/deploy) and the load benchmark
(bench/bench_load.py): gunicorn web nodes and Celery workers sharing one PostgreSQL
database and one Redis, and a TCP proxy in front of PostgreSQL that can drop every
connection and refuse new ones for a while — a database restart as the application sees
it, without stopping the server others use."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
BIN = Path(sys.executable).parent
WAIT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db: dict, *, port: int | None = None) -> str:
    """The URL of a PostgreSQL database given in Django's settings form."""
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}"


def wait_for(check, what: str, timeout: float = WAIT_SECONDS, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Cluster:
    """The processes of one test; stopped at the end, their logs kept in `tmp`."""

    def __init__(self, tmp: Path, *, database: str, redis: str, **env: str):
        self.tmp = tmp
        self.queue = f"deploy-{uuid.uuid4().hex[:8]}"  # this run's own queue on the shared Redis
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "DATABASE_URL": database,
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": redis,
            "CELERY_BROKER_URL": redis,
            "CELERY_QUEUE": self.queue,
            "PROPDESK_VAR_DIR": str(tmp / "var"),
            "NOTIFY_SMS_BACKEND": "console",
            "NOTIFY_WECHAT_BACKEND": "console",
            **env,
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *command: str, **env: str) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)

    def web(self, name: str, *, workers: int = 1, **env: str) -> str:
        port = free_port()
        gunicorn = [str(BIN / "gunicorn"), "propdesk.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        self.start(name, *gunicorn, "--access-logfile", "-", "--graceful-timeout", "5", **env)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(url), f"web node {name}")
        return url

    def worker(self, name: str, *, beat: bool = False, **env: str) -> None:
        celery = [str(BIN / "celery"), "-A", "propdesk", "worker", "--pool=solo", "-n", f"{name}@deploy", "-l", "INFO"]
        self.start(name, *celery, *(["-B"] if beat else []), **env)

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, no acknowledgement — a crash or an OOM kill."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def tasks_done(self, task: str, *names: str) -> int:
        done = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded")
        return sum(len(done.findall(self.log(name))) for name in names)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class DatabaseProxy:
    """A TCP proxy to PostgreSQL. `outage()` drops every open connection and refuses new
    ones (closing them at once) until `recover()`."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self.lock:
                self.open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            self._close(source, target)

    def _close(self, *sockets: socket.socket) -> None:
        with self.lock:
            for s in sockets:
                self.open.discard(s)
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def outage(self) -> None:
        self.down.set()
        with self.lock:
            sockets = list(self.open)
        self._close(*sockets)

    def recover(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.closed = True
        self.outage()
        self.listener.close()
