"""Role x visibility x action: who may see and act on which question (service layer).

The HTTP layers map the same DomainErrors to status codes; their own tests cover that.
"""
import pytest

from app.errors import Forbidden, NotFound
from app.forum import services
from app.forum.queries import list_questions, question_page

VIEWERS = ["anonymous", "customer", "staff_outsider", "staff_member", "expert_member", "moderator", "admin"]
CAN_SEE = {
    "public": set(VIEWERS),
    "internal": {"staff_outsider", "staff_member", "expert_member", "moderator", "admin"},
    "team": {"staff_member", "expert_member", "moderator", "admin"},
}


@pytest.fixture
def world(db, make_user):
    # Everyone may comment on others' posts (a privilege by points): the matrix is about visibility.
    people = {
        "anonymous": None,
        "customer": make_user("customer", points=50),
        "staff_outsider": make_user("staff", teams=("loans",), points=50),
        "staff_member": make_user("staff", teams=("cards",), points=50),
        "expert_member": make_user("expert", teams=("cards",), points=50),
        "moderator": make_user("moderator"),
        "admin": make_user("admin"),
    }
    asker = make_user("staff", teams=("cards",), name="asker")
    questions = {}
    for vis in CAN_SEE:
        questions[vis] = services.ask_question(
            db.session, title=f"A {vis} question about cards", body="Body text that is long enough.",
            tags=["cards"], by=asker, visibility=vis, team="cards" if vis == "team" else None)
    db.session.commit()
    return people, questions, asker


@pytest.mark.parametrize("visibility", list(CAN_SEE))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_view_list_and_page(db, world, viewer, visibility):
    people, questions, _ = world
    user, question = people[viewer], questions[visibility]
    listed = {q.id for q in list_questions(db.session, user, per_page=100).items}
    if viewer in CAN_SEE[visibility]:
        assert question.id in listed
        assert question_page(db.session, question.id, user).question.id == question.id
    else:
        assert question.id not in listed
        with pytest.raises(NotFound):
            question_page(db.session, question.id, user)


@pytest.mark.parametrize("visibility", list(CAN_SEE))
@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("action", ["answer", "comment", "vote", "edit", "close"])
def test_actions(db, world, viewer, visibility, action):
    people, questions, _ = world
    user, question = people[viewer], questions[visibility]
    act = {
        "answer": lambda: services.post_answer(db.session, question, body="An answer that is long enough.",
                                               by=user),
        "comment": lambda: services.post_comment(db.session, question, body="A comment.", by=user),
        "vote": lambda: services.set_vote(db.session, question, 1, by=user),
        "edit": lambda: services.edit_question(db.session, question, title="An edited title here", by=user),
        "close": lambda: services.close_question(db.session, question, reason="off_topic", by=user),
    }[action]
    allowed_roles = {"answer": CAN_SEE[visibility], "comment": CAN_SEE[visibility], "vote": CAN_SEE[visibility],
                     "edit": {"moderator", "admin"}, "close": {"moderator", "admin"}}[action]
    if viewer == "anonymous":
        with pytest.raises(Forbidden):
            act()
    elif viewer not in CAN_SEE[visibility]:
        with pytest.raises(NotFound):  # existence of hidden questions must not leak
            act()
    elif viewer in allowed_roles - {"anonymous"}:
        act()
        db.session.commit()
    else:
        with pytest.raises(Forbidden):
            act()


def test_customer_cannot_post_internal_or_team(db, make_user):
    from app.errors import Invalid

    customer = make_user("customer")
    staff = make_user("staff")
    services.ask_question(db.session, title="Seed tag question", body="Body long enough.", tags=["cards"], by=staff)
    for vis in ("internal", "team"):
        with pytest.raises(Invalid) as err:
            services.ask_question(db.session, title="Can I see this?", body="Body long enough.",
                                  tags=["cards"], by=customer, visibility=vis, team="cards")
        assert "visibility" in err.value.errors


def test_team_question_needs_membership(db, make_user):
    from app.errors import Invalid

    outsider = make_user("staff", teams=("loans",))
    make_user("staff", teams=("cards",))
    with pytest.raises(Invalid) as err:
        services.ask_question(db.session, title="Cards only question", body="Body long enough.", tags=["x"],
                              by=outsider, visibility="team", team="cards")
    assert "team" in err.value.errors


def test_deleted_question_visible_only_to_author_and_moderators(db, world, make_user):
    people, questions, asker = world
    q = questions["public"]
    services.delete_post(db.session, q, by=asker)
    db.session.commit()
    assert question_page(db.session, q.id, asker).question.is_deleted
    assert question_page(db.session, q.id, people["moderator"]).question.id == q.id
    for viewer in ("anonymous", "customer", "staff_member"):
        with pytest.raises(NotFound):
            question_page(db.session, q.id, people[viewer])
    assert q.id not in {x.id for x in list_questions(db.session, people["moderator"], per_page=100).items}
