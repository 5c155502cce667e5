"""Locust fallback for bench/load/run.py when wrk is missing: GETs $BENCH_PATH as fast as it can."""
import os

from locust import FastHttpUser, constant, task


class Reader(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(os.environ.get("BENCH_PATH", "/"), name="target")
