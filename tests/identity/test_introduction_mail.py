"""The mails of an introduction, read from a real SMTP server on loopback: the request
names the initiative, who asks and why and links to /introductions; accepting mails
both sides each other's contact details; declining mails no one."""

from __future__ import annotations

import pytest

from tests.api.server import Server
from tests.introductions_world import ANSWER, FORWARD, World, build_world
from tests.mailbox import Mailbox, link_in, text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def world(mail_server: Server) -> World:
    return await build_world(mail_server)


async def test_request_and_accept_by_mail(
    world: World, mailbox: Mailbox, mail_server: Server
) -> None:
    w = world
    asked = await w.request("sanne", "kim")
    iid = asked["introduction"]["id"]
    # kim has an account: the mail goes to the address she signs in with
    mail = mailbox.wait_for(w.emails["kim"], "wil kennismaken")
    text = text_of(mail)
    assert f"Sanne {w.tag}" in text and f"Energiecoöperatie {w.tag}" in text
    assert "Waarom jij:" in text and "Why you:" in text and "Hoi! Groet van sanne" in text
    assert "pas gedeeld als je ja zegt" in text
    link = link_in(mail, "/introductions")
    assert link == f"{mail_server.base}/introductions?id={iid}"
    # the link names a request kim can answer
    (incoming,) = await w.mine("kim", "IN")
    assert incoming["id"] == link.rsplit("=", 1)[1]
    ok = await w.payload("kim", ANSWER, id=iid, a=True)
    assert ok["introduction"]["status"] == "ACCEPTED"
    to_sanne = text_of(mailbox.wait_for(w.emails["sanne"], "contactgegevens"))
    assert f"kim.profiel-{w.tag}@example.org" in to_sanne and "https://kim.example" in to_sanne
    to_kim = text_of(mailbox.wait_for(w.emails["kim"], "contactgegevens"))
    assert w.emails["sanne"] in to_kim


async def test_decline_mails_no_one(world: World, mailbox: Mailbox) -> None:
    w = world
    asked = await w.request("sanne", "dirk")
    mailbox.wait_for(w.emails["dirk"], "wil kennismaken")
    no = await w.payload("dirk", ANSWER, id=asked["introduction"]["id"], a=False)
    assert no["introduction"]["status"] == "DECLINED"
    with pytest.raises(AssertionError, match="no mail"):
        mailbox.wait_for(w.emails["sanne"], "", timeout=3)


async def test_warm_path_mails_the_person_in_between_first(world: World, mailbox: Mailbox) -> None:
    w = world
    asked = await w.request("sanne", "vera", via="fatima")
    iid = asked["introduction"]["id"]
    to_fatima = text_of(mailbox.wait_for(w.emails["fatima"], "voorstellen"))
    assert f"Vera {w.tag}" in to_fatima and f"Sanne {w.tag}" in to_fatima
    with pytest.raises(AssertionError, match="no mail"):
        mailbox.wait_for(w.emails["vera"], "", timeout=2)
    await w.payload("fatima", FORWARD, id=iid, f=True)
    to_vera = text_of(mailbox.wait_for(w.emails["vera"], "wil kennismaken"))
    assert f"Fatima {w.tag} stelt je voor aan Sanne {w.tag}" in to_vera
