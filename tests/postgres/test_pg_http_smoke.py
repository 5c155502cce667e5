"""Ask, answer, accept and list through HTTP (the public API and the HTML pages) on PostgreSQL."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgres

TITLE = "信用卡被锁后如何解锁? How to unlock a blocked card"
BODY = "客户输错三次 PIN,卡被锁定。The customer is abroad and needs the card today."
ANSWER = "在卡片管理系统中重置计数器,然后让客户重新输入 PIN。Reset the counter in the card admin tool."


def test_ask_answer_accept_list_over_http(client, make_user, token_for):
    asker, expert = make_user("staff"), make_user("expert")
    as_asker, as_expert = token_for(asker), token_for(expert)

    r = client.post("/api/v1/questions", headers=as_asker,
                    json={"title": TITLE, "body": BODY, "tags": ["cards", "信用卡"], "visibility": "public"})
    assert r.status_code == 201, r.get_data(as_text=True)
    qid = r.get_json()["id"]

    r = client.post(f"/api/v1/questions/{qid}/answers", headers=as_expert, json={"body": ANSWER})
    assert r.status_code == 201, r.get_data(as_text=True)
    aid = r.get_json()["id"]

    r = client.post(f"/api/v1/answers/{aid}/accept", headers=as_asker)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["accepted_answer_id"] == aid

    # An anonymous visitor sees the public question, answered and accepted.
    r = client.get("/api/v1/questions?sort=newest")
    assert r.status_code == 200
    listing = r.get_json()
    assert listing["total"] == 1
    (item,) = listing["items"]
    assert (item["id"], item["title"], item["answer_count"], item["accepted_answer_id"]) == (qid, TITLE, 1, aid)
    assert sorted(item["tags"]) == sorted(["cards", "信用卡"])

    r = client.get(f"/api/v1/questions/{qid}")
    assert r.status_code == 200
    (answer,) = r.get_json()["answers"]
    assert answer["id"] == aid and answer["is_accepted"] is True

    r = client.get("/api/v1/questions?tag=信用卡")
    assert r.status_code == 200 and [i["id"] for i in r.get_json()["items"]] == [qid]

    # The HTML list and question pages render the same data.
    r = client.get("/")
    assert r.status_code == 200 and TITLE in r.get_data(as_text=True)
    r = client.get(item["url"], follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and TITLE in page and "在卡片管理系统中重置计数器" in page
