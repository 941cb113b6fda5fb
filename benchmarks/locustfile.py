"""Locust scenario of the HTTP load test (run by benchmarks/load.sh, in its own venv var/load-venv).

Signed-in staff (the city officer) open the ledger, search it, open organisations, the coverage dashboard and
the review queue; portal contacts open their home, their run and its current step; everyone opens the trivial
page that the other pages are compared with. No wait between requests: the users keep the two workers busy.
Each request names its page in an X-Load-Page header, which gunicorn's access log records with its time.
"""

import json
import os
import random
from pathlib import Path

from locust import HttpUser, constant, task

TARGETS = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text(encoding="utf-8"))
PAGES, URLS = TARGETS["pages"], TARGETS["urls"]


class _Signed(HttpUser):
    abstract = True
    wait_time = constant(0)

    def sign_in(self, session: str) -> None:
        self.client.cookies.set(TARGETS["cookie"], session)

    def page(self, key: str, value: object = "") -> None:
        url = URLS[key].format(value)
        with self.client.get(url, name=PAGES[key], headers={"X-Load-Page": key}, allow_redirects=False,
                             catch_response=True) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task
    def floor(self):
        self.page("floor")


class Staff(_Signed):
    weight = 4

    def on_start(self):
        self.sign_in(random.choice(TARGETS["staff"]))

    @task
    def ledger_list(self):
        self.page("ledger_list")

    @task
    def ledger_search(self):
        self.page("ledger_search", random.choice(TARGETS["searches"]))

    @task
    def organisation(self):
        self.page("organisation", random.choice(TARGETS["organisations"]))

    @task
    def dashboard(self):
        self.page("dashboard")

    @task
    def review_queue(self):
        self.page("review_queue")


class Contact(_Signed):
    weight = 1

    def on_start(self):
        self.contact = random.choice(TARGETS["contacts"])
        self.sign_in(self.contact["session"])

    @task
    def portal_home(self):
        self.page("portal_home")

    @task
    def portal_run(self):
        self.page("portal_run", self.contact["run"])

    @task
    def portal_step(self):
        self.page("portal_step", self.contact["step"])
