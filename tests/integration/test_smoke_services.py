from app.forum import services
from app.forum.queries import list_questions, question_page


def test_ask_answer_accept_vote_roundtrip(db, make_user):
    asker, answerer, voter = make_user("staff"), make_user("expert"), make_user("customer")
    q = services.ask_question(db.session, title="How do I reset a card PIN?", body="The customer forgot it.",
                              tags=["cards", "pin"], by=asker)
    a = services.post_answer(db.session, q, body="Use the IVR option 3 then verify.", by=answerer)
    services.accept_answer(db.session, a, by=asker)
    assert services.set_vote(db.session, a, 1, by=voter) == (1, 1)
    db.session.commit()
    page = question_page(db.session, q.id, voter)
    assert page.answers[0].id == a.id and q.accepted_answer_id == a.id and q.answer_count == 1
    assert list_questions(db.session, None).total == 1
