"""Pages for content that came from a Stack Exchange dump."""
from app.db import utcnow
from app.forum import services


def test_closed_question_without_a_reason_says_closed_only(client, db, make_user):
    q = services.ask_question(db.session, title="An imported closed question", body="Body long enough.",
                              tags=["beer"], by=make_user("staff"))
    q.closed_at, q.source_url, q.source_author, q.license = utcnow(), "https://beer.stackexchange.com/q/9", \
        "Tom", "CC BY-SA 3.0"
    db.session.commit()
    html = client.get(f"/questions/{q.id}", follow_redirects=True).get_data(as_text=True)
    assert "Closed" in html and "None" not in html
    assert "https://beer.stackexchange.com/q/9" in html and "Tom" in html and "CC BY-SA 3.0" in html
