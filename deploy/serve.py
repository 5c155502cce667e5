"""Start the production topology: nginx in front of N forum instances, Redis between them.

    .venv/bin/python deploy/serve.py                      # = make serve-prod: 2 instances on :8000
    .venv/bin/python deploy/serve.py --instances 4 --port 8080 --redis-url redis://127.0.0.1:6379/0

What it runs (docs/deploy.md explains why):
1. ``flask db upgrade`` on ``DATABASE_URL`` (skip with ``--no-upgrade``);
2. with more than one instance, Redis: ``REDIS_URL`` (or ``--redis-url``), else a private
   ``redis-server`` on a free loopback port (Debian package ``redis-server``);
3. N instances of ``gunicorn -c deploy/gunicorn.conf.py -k gevent -w 1``, each on its own
   loopback port, trusting one proxy hop;
4. the background jobs worker, ``flask jobs worker``, whenever the instances use Redis (their
   jobs then go to the durable queue, JOBS_MODE=redis; ``--no-jobs-worker`` to run it
   elsewhere), or with ``--jobs-worker``;
5. nginx (Debian package ``nginx``) on ``--host:--port`` from deploy/nginx.conf.template:
   ``/socket.io/`` sticky by client address, everything else least-connected, static files
   served directly.

It writes ``RUN_DIR/topology.json`` (ports, pids, logs) once everything answers, keeps each
process's output in ``RUN_DIR/<name>.log``, stops everything on SIGINT/SIGTERM, and stops
everything with exit status 1 if any process dies. The system tests start this same script.

Environment: ``FORUM_ENV`` defaults to ``production``. Without ``SECRET_KEY`` a random key is
made for this run (all instances share it; sessions end when the topology stops). Production
cookies are ``Secure``: over plain HTTP on a machine other than localhost, set
``SESSION_COOKIE_SECURE=0`` for a trial, or put TLS in front.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
GUNICORN_CONF = Path(__file__).resolve().parent / "gunicorn.conf.py"

# --- the background jobs worker --------------------------------------------------------------
# With REDIS_URL the instances put routing, indexing, escalation and digests on the durable
# queue (app/jobs.py, docs/live.md), and ``flask --app wsgi jobs worker`` runs them and fires the
# periodic ones; this launcher runs it beside the instances and supervises it like them.
JOBS_WORKER = ["jobs", "worker"]


class LaunchError(RuntimeError):
    """The topology cannot start; the message says why."""


class Stopped(Exception):
    """SIGINT or SIGTERM arrived (while starting or serving)."""


def _stop_on_signal(signum, _frame):
    raise Stopped(signum)


def log(msg: str) -> None:
    print(f"[serve-prod] {msg}", flush=True)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def render(template: str, values: dict) -> str:
    """Substitute ``{{ name }}``; an unknown placeholder or an unused value is an error."""
    used = set()

    def sub(match):
        name = match.group(1)
        if name not in values:
            raise LaunchError(f"nginx template: no value for {{{{ {name} }}}}")
        used.add(name)
        return str(values[name])

    out = re.sub(r"\{\{\s*(\w+)\s*\}\}", sub, template)
    if set(values) - used:
        raise LaunchError(f"nginx template does not use {sorted(set(values) - used)}")
    return out


def wait_http(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    """Until ``url`` answers with any HTTP status; fails early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LaunchError(f"{log_path.stem} exited ({proc.returncode}) before answering:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise LaunchError(f"{url} did not answer within {timeout:.0f}s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


class Topology:
    """The processes of one run; :meth:`stop` ends them in reverse order of start."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.run_dir = Path(args.run_dir).resolve()
        self.procs: list[tuple[str, subprocess.Popen, Path]] = []
        self.info: dict = {"run_dir": str(self.run_dir), "instances": []}
        self.env = dict(os.environ)

    # --- steps ------------------------------------------------------------------------------
    def start(self) -> dict:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "topology.json").unlink(missing_ok=True)
        self._environment()
        if not self.args.no_upgrade:
            self._flask("db", "upgrade")
        if self.args.instances > 1 and not self.env.get("REDIS_URL"):
            self._start_redis()
        self.info["redis_url"] = self.env.get("REDIS_URL")
        for n in range(1, self.args.instances + 1):
            self._start_instance(n)
        redis_jobs = bool(self.env.get("REDIS_URL")) and self.env.get("JOBS_MODE", "redis") == "redis"
        if self.args.jobs_worker or (redis_jobs and not self.args.no_jobs_worker):
            self._start_jobs_worker()
        self._start_nginx()
        (self.run_dir / "topology.json").write_text(json.dumps(self.info, indent=2))
        return self.info

    def _environment(self) -> None:
        self.env.setdefault("FORUM_ENV", "production")
        if not self.env.get("SECRET_KEY"):
            self.env["SECRET_KEY"] = secrets.token_hex(32)
            log("SECRET_KEY is not set: using a random key for this run (sessions end when it stops)")
        if self.args.redis_url:
            self.env["REDIS_URL"] = self.args.redis_url
        self.env["QAFORUM_PROXY_HOPS"] = "1"  # nginx is the one trusted hop in front
        self.env.setdefault("PYTHONUNBUFFERED", "1")

    def _flask(self, *args: str) -> None:
        proc = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise LaunchError(f"flask {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")

    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> tuple[subprocess.Popen, Path]:
        log_path = self.run_dir / f"{name}.log"
        with open(log_path, "w") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env or self.env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        self.procs.append((name, proc, log_path))
        return proc, log_path

    def _start_redis(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise LaunchError("more than one instance needs Redis: set REDIS_URL (or --redis-url), or install "
                              "the Debian package redis-server so a private one can be started")
        port = free_port()
        proc, log_path = self._spawn("redis", [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                               "--appendonly", "no", "--dir", str(self.run_dir)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LaunchError(f"redis-server exited ({proc.returncode}):\n{tail(log_path)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise LaunchError(f"redis-server did not answer:\n{tail(log_path)}")
        self.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        log(f"REDIS_URL is not set: started a private Redis at {self.env['REDIS_URL']}")

    def _start_instance(self, n: int) -> None:
        port = free_port()
        cmd = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "-k", "gevent", "-w", "1",
               "-b", f"127.0.0.1:{port}"]
        proc, log_path = self._spawn(f"app{n}", cmd)
        wait_http(f"http://127.0.0.1:{port}/api/v1/questions?per_page=1", proc, log_path)
        self.info["instances"].append({"name": f"app{n}", "port": port, "pid": proc.pid, "log": str(log_path)})
        log(f"app{n}: gunicorn (gevent) on 127.0.0.1:{port}, pid {proc.pid}")

    def _start_jobs_worker(self) -> None:
        probe = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *JOBS_WORKER, "--help"], cwd=ROOT,
                               env=self.env, capture_output=True, text=True)
        if probe.returncode != 0:
            raise LaunchError("--jobs-worker: this version has no `flask jobs worker` command; background work "
                              "runs in each instance's own pool (JOBS_MODE=thread)")
        proc, log_path = self._spawn("jobs", [str(BIN / "flask"), "--app", "wsgi", *JOBS_WORKER])
        self.info["jobs_worker"] = {"pid": proc.pid, "log": str(log_path)}
        log(f"jobs worker: pid {proc.pid}")

    def _start_nginx(self) -> None:
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if nginx is None:
            raise LaunchError("nginx not found: install the Debian package nginx")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{i['port']} max_fails=0;" for i in self.info["instances"])
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render(TEMPLATE.read_text(), {
            # As root, nginx would switch its workers to "nobody", who may not read static/ or write
            # the run dir: run them as the checkout's owner instead. Without root it cannot switch.
            "user_directive": f"user {_owner(ROOT)};" if os.geteuid() == 0 else "",
            "run_dir": self.run_dir, "mime_types": _mime_types(), "static_dir": ROOT / "static",
            "access_log": self.run_dir / "nginx-access.log" if self.args.access_log else "off",
            "listen": f"{self.args.host}:{self.args.port}", "servers": servers,
        }))
        base = [nginx, "-p", str(self.run_dir), "-c", str(conf), "-e", str(self.run_dir / "nginx-error.log")]
        check = subprocess.run(base + ["-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise LaunchError(f"nginx -t refused {conf}:\n{check.stderr}")
        proc, log_path = self._spawn("nginx", base)
        url = f"http://{self.args.host}:{self.args.port}"
        wait_http(f"{url}/api/v1/questions?per_page=1", proc, self.run_dir / "nginx-error.log")
        self.info.update(url=url, nginx={"pid": proc.pid, "conf": str(conf), "log": str(log_path)})
        log(f"nginx on {url} -> {len(self.info['instances'])} instance(s), pid {proc.pid}")

    # --- supervision ------------------------------------------------------------------------
    def watch(self) -> int:
        """Block until a process dies (1; the caller stops the others). A signal raises Stopped."""
        while True:
            for name, proc, log_path in self.procs:
                if proc.poll() is not None:
                    log(f"{name} exited ({proc.returncode}); stopping the topology. Last lines of {log_path}:")
                    print(tail(log_path), flush=True)
                    return 1
            time.sleep(0.5)

    def stop(self) -> None:
        for name, proc, _log in reversed(self.procs):
            if proc.poll() is None:
                # nginx: SIGQUIT finishes the requests in flight; gunicorn and redis: SIGTERM.
                proc.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        deadline = time.monotonic() + 25
        for _name, proc, _log in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        (self.run_dir / "topology.json").unlink(missing_ok=True)


def _owner(path: Path) -> str:
    import grp
    import pwd

    st = path.stat()
    return f"{pwd.getpwuid(st.st_uid).pw_name} {grp.getgrgid(st.st_gid).gr_name}"


def _mime_types() -> str:
    for candidate in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types"):
        if Path(candidate).exists():
            return candidate
    raise LaunchError("nginx's mime.types not found (install the Debian package nginx)")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address nginx listens on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port nginx listens on (default 8000)")
    parser.add_argument("--instances", type=int, default=2, help="app processes behind nginx (default 2)")
    parser.add_argument("--run-dir", default=str(ROOT / "instance" / "serve-prod"),
                        help="nginx config, logs and topology.json (default instance/serve-prod)")
    parser.add_argument("--redis-url", help="Redis for more than one instance (default: REDIS_URL, else a "
                                            "private redis-server)")
    parser.add_argument("--jobs-worker", action="store_true", help="run `flask jobs worker` (the default "
                                                                   "whenever the instances use Redis)")
    parser.add_argument("--no-jobs-worker", action="store_true", help="do not run the jobs worker here (one "
                                                                      "runs elsewhere on the same Redis)")
    parser.add_argument("--no-upgrade", action="store_true", help="skip `flask db upgrade`")
    parser.add_argument("--access-log", action="store_true", help="nginx access log in the run dir")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    return args


def main(argv=None) -> int:
    topology = Topology(parse_args(argv))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_on_signal)
    try:
        info = topology.start()
        log(f"serving on {info['url']}  (logs in {topology.run_dir}; Ctrl-C stops everything)")
        return topology.watch()
    except Stopped:
        return 0
    except LaunchError as err:
        log(f"cannot start: {err}")
        return 1
    finally:
        # A second signal must not interrupt the shutdown itself.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        topology.stop()
        log("stopped")


if __name__ == "__main__":
    sys.exit(main())
