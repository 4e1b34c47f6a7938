"""The AWS endpoint (/aws/) over real HTTP: boto3 round trips per second against gunicorn with
2 workers on a fresh SQLite database.

  get_rest_apis   a read: SigV4 verification, IAM, the cached account, the answer
  put_method      a write: the same, plus the sandbox locked, changed and stored

Each is run by N client threads (one boto3 client each) for a fixed time; the control plane's
request quota (AWS's 10/s, burst 40, per account) is lifted for the measurement with
SANDBOX_CONTROL_RATE/BURST, or it would measure the quota. Prints calls/s and latency
percentiles. Usage: .venv/bin/python bench/control.py [--seconds 10] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(env: dict[str, str], base_url: str) -> dict[str, str]:
    """Migrate, create a learner with an API and terminal credentials (in a child process)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = f"""
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
django.setup()
from django.contrib.auth import get_user_model
import gateway as gw
from sandbox import credentials
from sandbox.models import SandboxAccount
user = get_user_model().objects.create_user("bench", password="bench-password-1")
with SandboxAccount.editing(user) as account:
    api = gw.create_rest_api(account, "bench")
    resource = gw.create_resource_path(account, api, "/items")
creds = credentials.ensure(user, {base_url!r})
print(creds.access_key_id, creds.secret_access_key, api.id, resource.id)
"""
    out = subprocess.run(  # noqa: S603 (this interpreter, the bench's own script)
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    key, secret, api_id, resource_id = out.stdout.split()
    return {"key": key, "secret": secret, "api": api_id, "resource": resource_id}


def run(name: str, make_call, seconds: float, threads: int) -> None:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        nonlocal errors
        call = make_call(index)
        mine, failed = [], 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                call()
            except Exception:  # noqa: BLE001 (counted and reported)
                failed += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += failed

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    begun = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - begun
    ms = sorted(x * 1000 for x in latencies)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    print(
        f"{name:14} {len(ms) / elapsed:8.1f} calls/s   p50 {statistics.median(ms):6.1f} ms   "
        f"p90 {pick(0.9):6.1f} ms   p99 {pick(0.99):6.1f} ms   errors {errors}   ({len(ms)} calls, {threads} threads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    import boto3
    from botocore.config import Config

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp()
    env = os.environ | {
        "STUDYAPP_VAR_DIR": work,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "0",
        "SANDBOX_CONTROL_RATE": "1000000",
        "SANDBOX_CONTROL_BURST": "1000000",
    }
    ids = setup(env, base_url)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)
        [str(gunicorn), "studyapp.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base_url + "/aws/", timeout=1)  # noqa: S310 (the bench's own server)
            except urllib.error.HTTPError:
                break  # 403 Missing Authentication Token: it is up
            except OSError:
                time.sleep(0.1)

        def client():
            return boto3.client(
                "apigateway",
                endpoint_url=base_url + "/aws/",
                region_name="us-east-1",
                aws_access_key_id=ids["key"],
                aws_secret_access_key=ids["secret"],
                config=Config(retries={"max_attempts": 1}, max_pool_connections=2),
            )

        def reads(_index: int):
            c = client()
            return lambda: c.get_rest_apis(limit=25)

        def writes(index: int):
            c = client()
            verbs = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"]
            verb = verbs[index % len(verbs)]
            return lambda: c.put_method(
                restApiId=ids["api"], resourceId=ids["resource"], httpMethod=verb, authorizationType="NONE"
            )

        run("warm-up", reads, 2, args.threads)
        print(f"boto3 against gunicorn (2 workers), SQLite, {args.threads} client threads, {args.seconds:.0f} s each:")
        run("get_rest_apis", reads, args.seconds, args.threads)
        run("put_method", writes, args.seconds, args.threads)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
