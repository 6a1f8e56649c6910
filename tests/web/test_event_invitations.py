"""Invitations to meetings on the introductions page: the invitee sees the event (what,
who organises, when, where, why them), answers it there and can take it into their
calendar; nobody else answers for them."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from starlette.applications import Starlette

from graph.model import Event, EventKind, NodeId, Relationship, RelType

from .conftest import Person


async def _invite(web_app: Starlette, person: Person, name: str) -> str:
    """An event organised by LSA bewoners in Den Haag with ``person`` invited."""
    eid = f"evt-{secrets.token_hex(4)}"
    event = Event(
        id=NodeId(eid),
        name=name,
        event_type=EventKind.EXPERT_MEETING,
        starts="2026-03-12T19:30",
        ends="2026-03-12T21:30",
    )
    user = {"provenance": "user"}
    await web_app.state.store.upsert(
        [event],
        [
            Relationship(RelType.ORGANISES, NodeId("org-lsa-bewoners"), event.id, user),
            Relationship(RelType.LOCATED_IN, event.id, NodeId("GM0518"), user),
            Relationship(
                RelType.INVITED_TO,
                NodeId(person.actor_id),
                event.id,
                {**user, "rsvp": "invited", "reason": "kent de buurt"},
            ),
        ],
    )
    return eid


def _card(html: str, eid: str) -> str:
    found = re.search(r'<li class="card introduction[^"]*" id="' + eid + r'".*?</li>', html, re.S)
    assert found, html
    return found.group(0)


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_an_invitee_sees_and_answers_an_invitation(
    signed_in: Any, web_app: Starlette, lang: str
) -> None:
    person: Person = await signed_in(f"Ina Uitgenodigd{secrets.token_hex(3)}")
    person.http.cookies.set("lang", lang)
    eid = await _invite(web_app, person, "Expertmeeting buurtenergie")
    page = (await person.http.get("/introductions")).text
    card = _card(page, eid)
    assert "Expertmeeting buurtenergie" in card and "LSA bewoners" in card
    assert "2026-03-12 19:30" in card and "21:30" in card and "Den Haag" in card
    assert "kent de buurt" in card
    assert ("nog niet beantwoord" if lang == "nl" else "not answered yet") in card
    assert f'href="/events/{eid}.ics"' in card
    assert 'class="badge demo"' not in card  # a user-made event, a real organiser

    done = await person.http.post(
        f"/introductions/events/{eid}/answer", data={"csrf_token": person.csrf, "rsvp": "maybe"}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/introductions?")
    page = (await person.http.get(done.headers["location"])).text
    saved = "Je antwoord is opgeslagen" if lang == "nl" else "Your answer is saved"
    assert saved in page
    assert 'class="rsvp rsvp-maybe"' in _card(page, eid)
    found = await web_app.state.store.neighbours(
        [NodeId(person.actor_id)], types=[RelType.INVITED_TO]
    )
    (invitation,) = [n for n in found[NodeId(person.actor_id)] if n.node.id == eid]
    assert invitation.rel.props["rsvp"] == "maybe"


async def test_only_the_invitee_answers_and_a_wrong_answer_is_refused(
    signed_in: Any, web_app: Starlette
) -> None:
    invitee: Person = await signed_in(f"Ina Genodigd{secrets.token_hex(3)}")
    other: Person = await signed_in(f"Otto Anders{secrets.token_hex(3)}")
    eid = await _invite(web_app, invitee, "Workshop verdienmodellen")
    # someone else is not invited: nothing to answer, said in words, nothing changes
    refused = await other.http.post(
        f"/introductions/events/{eid}/answer", data={"csrf_token": other.csrf, "rsvp": "yes"}
    )
    assert refused.status_code == 400
    assert "Je bent niet uitgenodigd voor deze bijeenkomst." in refused.text
    assert "Workshop verdienmodellen" not in (await other.http.get("/introductions")).text
    # an answer that is not one of the three
    wrong = await invitee.http.post(
        f"/introductions/events/{eid}/answer", data={"csrf_token": invitee.csrf, "rsvp": "ja!"}
    )
    assert wrong.status_code == 400 and "Kies een antwoord" in wrong.text
    # without the form's token, nothing happens
    forged = await invitee.http.post(f"/introductions/events/{eid}/answer", data={"rsvp": "yes"})
    assert forged.status_code in (400, 401, 403)
    found = await web_app.state.store.neighbours(
        [NodeId(invitee.actor_id)], types=[RelType.INVITED_TO]
    )
    (invitation,) = [n for n in found[NodeId(invitee.actor_id)] if n.node.id == eid]
    assert invitation.rel.props["rsvp"] == "invited"
