"""The mails of an introduction, in Dutch and English (we do not know the reader's
language): each names the initiative, who asks and why, and links to /introductions."""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING

from api.introductions.model import Introduction
from graph import model as m

if TYPE_CHECKING:
    from api.identity import Identity

log = logging.getLogger("wijknet.introductions")


async def _send(identity: Identity, to: str, subject: str, body: str) -> None:
    """Send, or log why not: the request is stored and waits in the app either way."""
    try:
        await identity.mailer.send(to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("introduction mail to %s not sent: %s", to, exc)


def _link(identity: Identity, intro: Introduction) -> str:
    return f"{identity.config.public_url.rstrip('/')}/introductions?id={intro.id}"


def _why(intro: Introduction) -> tuple[str, str]:
    nl = "".join(f"  - {r}\n" for r in intro.reasons_nl)
    en = "".join(f"  - {r}\n" for r in intro.reasons_en)
    return nl, en


def _said(intro: Introduction, who: str) -> tuple[str, str]:
    if not intro.message:
        return "", ""
    quoted = "".join(f"  > {line}\n" for line in intro.message.splitlines())
    return f"\n{who} schrijft:\n{quoted}", f"\n{who} writes:\n{quoted}"


async def ask(
    identity: Identity,
    intro: Introduction,
    sender: m.Actor,
    group: m.Initiative,
    candidate: m.Actor,
    via: m.Actor | None,
    to: str,
) -> None:
    """To the candidate: asked directly, or passed on by ``via``."""
    if not to:
        return  # no address: the request waits in the app
    why_nl, why_en = _why(intro)
    said_nl, said_en = _said(intro, sender.name)
    if via is not None:
        opening_nl = (
            f"{via.name} stelt je voor aan {sender.name} van het initiatief '{group.name}', "
            "die graag met je wil kennismaken."
        )
        opening_en = (
            f"{via.name} introduces you to {sender.name} of the initiative '{group.name}', "
            "who would like to meet you."
        )
    else:
        opening_nl = (
            f"{sender.name} van het initiatief '{group.name}' wil graag met je kennismaken."
        )
        opening_en = f"{sender.name} of the initiative '{group.name}' would like to meet you."
    body = (
        f"Hallo {candidate.name},\n\n{opening_nl}\n"
        + (f"\nWaarom jij:\n{why_nl}" if why_nl else "")
        + said_nl
        + "\nJe contactgegevens worden pas gedeeld als je ja zegt. Zeg je nee, dan hoort "
        f"{sender.name} daar niets over.\n\nAntwoord hier: {_link(identity, intro)}\n"
        "\n-- English --\n\n"
        f"Hello {candidate.name},\n\n{opening_en}\n"
        + (f"\nWhy you:\n{why_en}" if why_en else "")
        + said_en
        + "\nYour contact details are shared only if you say yes. If you say no, "
        f"{sender.name} is not told.\n\nAnswer here: {_link(identity, intro)}\n"
    )
    subject = f"wijknet: {sender.name} wil kennismaken ({group.name})"
    await _send(identity, to, subject, body)


async def ask_via(
    identity: Identity,
    intro: Introduction,
    sender: m.Actor,
    group: m.Initiative,
    candidate: m.Actor,
    via: m.Actor,
    to: str,
) -> None:
    """To the person in between: will you introduce ``sender`` to ``candidate``?"""
    if not to:
        return
    why_nl, why_en = _why(intro)
    said_nl, said_en = _said(intro, sender.name)
    link = _link(identity, intro)
    body = (
        f"Hallo {via.name},\n\n"
        f"{sender.name} van het initiatief '{group.name}' vraagt of je hen wilt voorstellen "
        f"aan {candidate.name}, die jij kent.\n"
        + (f"\nWaarom {candidate.name}:\n{why_nl}" if why_nl else "")
        + said_nl
        + f"\nStuur het door, of zeg nee (dan hoort {sender.name} daar niets over): {link}\n"
        "\n-- English --\n\n"
        f"Hello {via.name},\n\n"
        f"{sender.name} of the initiative '{group.name}' asks whether you would introduce "
        f"them to {candidate.name}, whom you know.\n"
        + (f"\nWhy {candidate.name}:\n{why_en}" if why_en else "")
        + said_en
        + f"\nPass it on, or say no ({sender.name} is not told): {link}\n"
    )
    subject = f"wijknet: wil je {sender.name} voorstellen aan {candidate.name}?"
    await _send(identity, to, subject, body)


async def accepted(
    identity: Identity,
    intro: Introduction,
    sender: m.Actor,
    candidate: m.Actor,
    group: m.Initiative,
) -> None:
    """To both sides: the other's contact details."""
    shared = {a.id: await shared_address(identity, a) for a in (sender, candidate)}
    for me, other in ((sender, candidate), (candidate, sender)):
        my_mail, other_mail = await address(identity, me), shared[other.id]
        if not my_mail:
            continue
        contact = "".join(
            f"  {label}: {value}\n"
            for label, value in (("e-mail", other_mail), ("website", other.website))
            if value
        )
        body = (
            f"Hallo {me.name},\n\n{candidate.name} heeft ja gezegd op de kennismaking met "
            f"'{group.name}'. Zo bereik je {other.name}:\n\n{contact}\n"
            f"Meer: {_link(identity, intro)}\n"
            "\n-- English --\n\n"
            f"Hello {me.name},\n\n{candidate.name} said yes to meeting '{group.name}'. "
            f"This is how to reach {other.name}:\n\n{contact}\n"
            f"More: {_link(identity, intro)}\n"
        )
        subject = f"wijknet: kennismaking {group.name}: contactgegevens van {other.name}"
        await _send(identity, my_mail, subject, body)


async def address(identity: Identity, actor: m.Actor) -> str:
    """Where mail for ``actor`` goes: its account's address, else the profile's."""
    account = await identity.store.account_by_actor(actor.id)
    return account.email if account is not None else actor.email


async def shared_address(identity: Identity, actor: m.Actor) -> str:
    """The address an accepted introduction shares: the profile's, else the account's."""
    if actor.email:
        return actor.email
    account = await identity.store.account_by_actor(actor.id)
    return account.email if account is not None else ""
