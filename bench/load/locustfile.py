"""Locust fallback for bench/load/run.py when wrk is missing: GETs $BENCH_PATH as fast as it can
(with $BENCH_COOKIE, the logged-in session, when set)."""
import os

from locust import FastHttpUser, constant, task


class Reader(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        cookie = os.environ.get("BENCH_COOKIE")
        self.client.get(os.environ.get("BENCH_PATH", "/"), name="target",
                        headers={"Cookie": cookie} if cookie else None)
