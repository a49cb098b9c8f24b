"""A real Celery worker, started as an operator would, consumes a task sent through Redis."""

import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery.exceptions import TimeoutError as ResultTimeout

from marketplace.celery import app as celery_app
from tests.marketplace.test_config import REPO_ROOT, clean_environment

pytestmark = pytest.mark.redis

RESULT_TIMEOUT_SECONDS = 60


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path, queue: str):
        self.process = process
        self.log_path = log_path
        self.queue = queue

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def worker(tmp_path):
    """A worker consuming only a queue of its own, so parallel runs on one Redis never steal each other's tasks."""
    broker_url = celery_app.conf.broker_url
    result_backend = celery_app.conf.result_backend
    assert broker_url, "REDIS_URL is set, so the settings must configure a broker"
    assert result_backend, "REDIS_URL is set, so the settings must configure a result backend"
    queue = f"test-ping-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    env = clean_environment(
        tmp_path / "var",
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND=result_backend,
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "marketplace",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=INFO",
    ]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    running = Worker(process, log_path, queue)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # Shown by pytest only when the test failed.
        print(f"--- worker log (exit code {process.returncode}) ---\n{running.log()}")
        client = redis.Redis.from_url(broker_url)
        for key in client.scan_iter(match=f"*{queue}*"):  # the queue and kombu's bindings for it
            client.delete(key)
        client.close()


def wait_for_result(result, worker: Worker) -> dict:
    deadline = time.monotonic() + RESULT_TIMEOUT_SECONDS
    while True:
        try:
            return result.get(timeout=1)
        except ResultTimeout:
            if worker.process.poll() is not None:
                pytest.fail(f"the worker exited with code {worker.process.returncode}:\n{worker.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no result within {RESULT_TIMEOUT_SECONDS} s:\n{worker.log()}")


@pytest.fixture
def tasks_go_to_the_broker():
    """The test session runs tasks in-process; this test must go through Redis to the worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_worker_consumes_a_task_sent_through_the_broker(worker, tasks_go_to_the_broker):
    token = uuid.uuid4().hex

    result = celery_app.send_task("marketplace.ping", args=[token], queue=worker.queue)
    try:
        reply = wait_for_result(result, worker)
    finally:
        result.forget()

    assert reply["token"] == token
    assert reply["hostname"]
    assert f"Task marketplace.ping[{result.id}] received" in worker.log()
