"""The load test's simulated staff (run by bench/bench_load.py, not on its own): front-desk
assistants searching, logging calls, opening and updating tickets and reading the queue;
cashiers reading accounts, taking payments and reading the arrears list. Each signs in
through the login page (session + CSRF, as the browser does) and waits 1–3 s between
actions. The houses, queries and tickets come from PROPDESK_LOAD_DATA (JSON)."""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, task

DATA = json.loads(Path(os.environ["PROPDESK_LOAD_DATA"]).read_text(encoding="utf-8"))


class Staff(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        self.client.get("/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            {"username": self.username, "password": DATA["password"], "csrfmiddlewaretoken": token},
            name="sign in",
        )
        self.client.headers["X-CSRFToken"] = self.client.cookies.get("csrftoken", token)

    def post_json(self, path: str, payload: dict, name: str, **headers: str) -> None:
        with self.client.post(path, json=payload, name=name, headers=headers, catch_response=True) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Assistant(Staff):
    weight = 4
    username = "assistant"

    @task(5)
    def search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(DATA["queries"])}, name="search")

    @task(3)
    def queue(self) -> None:
        self.client.get("/desk/tickets/", name="ticket queue")

    @task(3)
    def log_call(self) -> None:
        house = random.choice(DATA["houses"])
        payload = {
            "project": DATA["project"],
            "channel": "phone",
            "house": house,
            "content": "咨询本月物业费缴费方式",
            "answer": "可在客服中心、微信或银行代扣缴费",
        }
        self.post_json("/api/v1/contacts/", payload, "log a call")

    @task(2)
    def open_ticket(self) -> None:
        payload = {
            "project": DATA["project"],
            "type": "repair",
            "category": DATA["repair_category"],
            "title": "卫生间水龙头漏水",
            "house": random.choice(DATA["houses"]),
            "reporter_name": "业主",
            "reporter_phone": "13800001111",
        }
        self.post_json("/api/v1/tickets/", payload, "open a ticket")

    @task(2)
    def update_ticket(self) -> None:
        ticket = random.choice(DATA["tickets"])
        self.post_json(f"/api/v1/tickets/{ticket}/comments/", {"note": "已电话联系客户，约定明早上门"}, "update a ticket")


class Cashier(Staff):
    weight = 1
    username = "cashier"

    @task(3)
    def account(self) -> None:
        self.client.get(f"/api/v1/billing/accounts/{random.choice(DATA['houses'])}/", name="house account")

    @task(2)
    def take_payment(self) -> None:
        payload = {"house": random.choice(DATA["houses"]), "method": "cash", "amount": "50.00", "tendered": "100.00", "lines": []}
        self.post_json("/api/v1/billing/payments/", payload, "take a payment", **{"Idempotency-Key": uuid.uuid4().hex})

    @task(1)
    def arrears(self) -> None:
        self.client.get("/billing/arrears/", name="arrears list")
