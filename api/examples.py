"""GraphQL for the interviewed wijkondernemingen: ``referenceExamples`` and the
``similarExamples`` of an initiative ("initiatives like yours: BewonersBedrijven
Zaanstad, ...").

The profiles are curated reference data (``seed_data/reference/examples.csv``),
read once; the enterprises, partners and instruments they name are looked up in
the store, so a store without reference data simply shows fewer links.
"""

from __future__ import annotations

from functools import lru_cache

import strawberry

from api import types as t
from graph import model as m
from seed_data.examples import REPORT, Example, load_examples, similar_examples


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    return tuple(load_examples())


async def _load(info: t.Ctx, ids: tuple[str, ...]) -> list[m.Node]:
    found = [await info.context.nodes.load(i) for i in ids]
    return [n for n in found if n is not None]


@strawberry.type(
    description="A wijkonderneming from the report 'De wijkonderneming als sociaal empower "
    "instrument' (LSA, Kiemkracht, So/creatie): what it runs, how it earns, which instruments "
    "and partners, each fact from a cited source."
)
class ReferenceExample:
    _example: strawberry.Private[Example]
    id: strawberry.ID = strawberry.field(description="Its reference organisation id.")
    name: str
    city: str = strawberry.field(description="The city the report names.")
    verified: bool = strawberry.field(
        description="True when a source confirms it is one of the four wijkondernemingen "
        "interviewed for the report; false: an example from that city, not confirmed."
    )
    runs: str
    earns: str = strawberry.field(description="How it earns its income, as far as sourced.")
    revenue_models: list[m.RevenueModel]
    partners_note: str
    source: str = strawberry.field(description="Where every fact of this profile comes from.")
    report: str = strawberry.field(description="The report the four interviews were held for.")

    @staticmethod
    def of(example: Example) -> ReferenceExample:
        return ReferenceExample(
            _example=example,
            id=strawberry.ID(example.id),
            name=example.name,
            city=example.city,
            verified=example.verified,
            runs=example.runs,
            earns=example.earns,
            revenue_models=list(example.revenue_models),
            partners_note=example.partners_note,
            source=example.source,
            report=REPORT,
        )

    @strawberry.field(description="The enterprise itself, where the store holds it.")
    async def enterprise(self, info: t.Ctx) -> t.Actor | None:
        found = await _load(info, (self._example.id,))
        node = await t.wrap(found[0], info, ()) if found else None
        return node if isinstance(node, t.Actor) else None

    @strawberry.field
    async def place(self, info: t.Ctx) -> t.Place | None:
        code = self._example.place
        found = await _load(info, (code,)) if code else []
        return t.Place.of(found[0]) if found else None

    @strawberry.field(description="Instruments it uses, where a source names them.")
    async def instruments(self, info: t.Ctx) -> list[t.Instrument]:
        return [t.Instrument.of(n) for n in await _load(info, self._example.instruments)]

    @strawberry.field(description="Partners a source names (see `partnersNote`).")
    async def partners(self, info: t.Ctx) -> list[t.Actor]:
        nodes = await t.wrap_all(await _load(info, self._example.partners), info)
        return [n for n in nodes if isinstance(n, t.Actor)]

    @strawberry.field(description="wijknet's theme tagging of the enterprise.")
    async def themes(self, info: t.Ctx) -> list[t.Theme]:
        return [t.Theme.of(n) for n in await _load(info, self._example.themes)]


@strawberry.type(description="A reference wijkonderneming that resembles an initiative.")
class SimilarExample:
    example: ReferenceExample
    shared_themes: list[t.Theme]
    reason: str = strawberry.field(description="Why it is shown, in words.")


async def similar_for(info: t.Ctx, initiative: m.Initiative, lang: str) -> list[SimilarExample]:
    """The profiles sharing a theme with the initiative, most shared themes first."""
    about = await info.context.neighbours(initiative.id, [m.RelType.ABOUT])
    themes = {n.node.id: n.node for n in about if isinstance(n.node, m.Theme)}
    out = []
    for example, shared in similar_examples(examples(), themes, exclude=initiative.id):
        names = [themes[th].name_en if lang == "en" else themes[th].name_nl for th in shared]
        where = f"{example.name} ({example.city})"
        reason = (
            f"Works on {', '.join(names)} too: {where}"
            if lang == "en"
            else f"Werkt ook aan {', '.join(names)}: {where}"
        )
        out.append(
            SimilarExample(
                example=ReferenceExample.of(example),
                shared_themes=[t.Theme.of(themes[th]) for th in shared],
                reason=reason,
            )
        )
    return out


@strawberry.type
class ExamplesQuery:
    @strawberry.field(
        description="The wijkondernemingen interviewed for 'De wijkonderneming als sociaal "
        "empower instrument' (Eindhoven, Zaandam, Schiedam, Zwolle), with sourced profiles."
    )
    def reference_examples(self) -> list[ReferenceExample]:
        return [ReferenceExample.of(e) for e in examples()]
