"""The CSV format: every row checked, every problem named by file, line and column."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from graph.csv_format import (
    COLUMNS,
    MAX_PROBLEMS,
    ImportErrors,
    export_tables,
    load_dir,
    parse_dir,
    write_tables,
)
from graph.errors import InvalidInput
from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStage,
    LegalForm,
    Node,
    NodeId,
    NodeKind,
    Place,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    RevenueModel,
    Skill,
    Theme,
    Visibility,
)

N = TypeVar("N", Actor, Initiative, Place, Skill, Theme)

PLACES = (
    "code,name,level,parent_code\n"
    "GM0518,'s-Gravenhage,municipality,\n"
    "WK051830,Transvaal,neighbourhood,GM0518\n"
)
SKILLS = "id,name_nl,name_en,category\nskill-cook,Koken,Cooking,food\nskill-law,Recht,Law,\n"
THEMES = "id,name_nl,name_en\ntheme-food,Voedsel,Food\n"


def dataset(folder: Path, **files: str) -> Path:
    """Write ``name=text`` as ``name.csv`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def imported(node: N, folder: Path, file: str) -> N:
    """``node`` as an import from ``folder/file`` carries it: provenance and source."""
    return replace(node, provenance=Provenance.IMPORT, source=f"{folder.name}/{file}")


def origin(folder: Path, file: str) -> dict[str, str]:
    return {"provenance": "import", "source": f"{folder.name}/{file}"}


def problems(folder: Path, existing: dict[NodeId, NodeKind] | None = None) -> list[str]:
    with pytest.raises(ImportErrors) as info:
        load_dir(folder, existing)
    return [str(p) for p in info.value.problems]


def test_a_valid_dataset_gives_nodes_and_relationships(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        places=PLACES,
        skills=SKILLS,
        themes=THEMES,
        actors=(
            "id,kind,name,matchable,place_code,skills,offers,interests,legal_form,revenue_models\n"
            "res-1,resident,Fatima,ja,WK051830,skill-cook ; skill-law,,theme-food,,\n"
            "ent-1,Enterprise,Buurtkeuken BV,,GM0518,,skill-cook,,bv,sales;funds\n"
        ),
        initiatives="id,name,stage,place_code,themes\nini-1,Kookclub,Running,WK051830,theme-food\n",
        memberships="actor_id,initiative_id,role,since\nres-1,ini-1,initiator,2024\n",
        needs="initiative_id,skill_id,urgency\nini-1,skill-law,high\n",
        relationships=(
            "type,source_id,target_id,weight,how\n"
            "knows,res-1,ent-1,0.5,\n"
            "SUPPORTS,ent-1,ini-1,,space\n"
        ),
    )
    data = load_dir(folder)
    nodes: dict[str, Node] = {n.id: n for n in data.nodes}
    assert nodes["res-1"] == imported(
        Actor(id=NodeId("res-1"), kind=ActorKind.RESIDENT, name="Fatima", matchable=True),
        folder,
        "actors.csv",
    )
    ent = nodes["ent-1"]
    assert isinstance(ent, Actor)
    assert ent.legal_form is LegalForm.BV
    assert ent.revenue_models == (RevenueModel.SALES, RevenueModel.FUNDS)
    assert (ent.visibility, ent.matchable) == (Visibility.PUBLIC, True)  # kind defaults
    assert nodes["ini-1"] == imported(
        Initiative(id=NodeId("ini-1"), name="Kookclub", stage=InitiativeStage.RUNNING),
        folder,
        "initiatives.csv",
    )
    assert nodes["skill-law"] == imported(
        Skill(id=NodeId("skill-law"), name_nl="Recht", name_en="Law", category=""),
        folder,
        "skills.csv",
    )
    assert {r.key: dict(r.props) for r in data.rels} == {
        ("PART_OF", "WK051830", "GM0518"): {},
        ("LIVES_IN", "res-1", "WK051830"): {},
        ("HAS_SKILL", "res-1", "skill-cook"): {},
        ("HAS_SKILL", "res-1", "skill-law"): {},
        ("INTERESTED_IN", "res-1", "theme-food"): {},
        ("LOCATED_IN", "ent-1", "GM0518"): {},
        ("OFFERS", "ent-1", "skill-cook"): {},
        ("LOCATED_IN", "ini-1", "WK051830"): {},
        ("ABOUT", "ini-1", "theme-food"): {},
        # the relationships of their own files say so; the others inherit their row's
        ("MEMBER_OF", "res-1", "ini-1"): {
            "role": "initiator",
            "since": "2024",
            **origin(folder, "memberships.csv"),
        },
        ("NEEDS", "ini-1", "skill-law"): {"urgency": "high", **origin(folder, "needs.csv")},
        # symmetric: one stored direction
        ("KNOWS", "ent-1", "res-1"): {"weight": 0.5, **origin(folder, "relationships.csv")},
        ("SUPPORTS", "ent-1", "ini-1"): {"how": "space", **origin(folder, "relationships.csv")},
    }


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "actors",
            "id,kind,name,email\na1,Resident,Ann,ann@example.nl\na2,Resident,Bob,x\n",
            "actors.csv line 3, column \"email\": is not an e-mail address: 'x'",
        ),
        ("actors", "id,kind,name\na1,Alien,Ann\n", 'actors.csv line 2, column "kind": must be'),
        ("actors", "id,kind,name\na 1,Resident,Ann\n", 'actors.csv line 2, column "id": may only'),
        (
            "actors",
            "id,kind,name\na1,Resident, \n",
            'actors.csv line 2, column "name": is required',
        ),
        (
            "actors",
            "id,kind,name,matchable\na1,Resident,Ann,misschien\n",
            'actors.csv line 2, column "matchable": must be true or false (or yes/no, ja/nee, '
            "1/0); got 'misschien'",
        ),
        (
            "actors",
            "id,kind,name,legal_form\na1,Resident,Ann,stichting\n",
            'actors.csv line 2, column "legal_form": a Resident has no legal form',
        ),
        (
            "actors",
            "id,kind,name,revenue_models\na1,Enterprise,Ann,sales;gold\n",
            'actors.csv line 2, column "revenue_models": must be one of',
        ),
        (
            "actors",
            "id,kind,name,skills\na1,Resident,Ann,bad skill\n",
            'actors.csv line 2, column "skills": may only contain',
        ),
        (
            "places",
            "code,name,level\nGM1,Ergens,city\n",
            'places.csv line 2, column "level": must be one of province, municipality, '
            "district, neighbourhood, buurt; got 'city'",
        ),
        ("places", "code,name,level\n,Ergens,buurt\n", 'places.csv line 2, column "code": is'),
        (
            "places",
            "code,name,level,verified\nGM1,Ergens,buurt,wel\n",
            'places.csv line 2, column "verified"',
        ),
        ("skills", "id,name_nl,name_en\ns1,Koken,\n", 'skills.csv line 2, column "name_en": is'),
        (
            "initiatives",
            "id,name,started\ni1,Club,vorig jaar\n",
            'initiatives.csv line 2, column "started": must be a date',
        ),
        (
            "memberships",
            "actor_id,initiative_id,role\na1,i1,king\n",
            'memberships.csv line 2, column "role": must be one of',
        ),
        (
            "needs",
            "initiative_id,skill_id,urgency\ni1,s1,asap\n",
            'needs.csv line 2, column "urgency": must be one of low, medium, high',
        ),
        (
            "relationships",
            'type,source_id,target_id,weight\nKNOWS,a1,a2,"0,5"\n',
            "relationships.csv line 2, column \"weight\": must be a number like 0.5; got '0,5'",
        ),
        (
            "relationships",
            "type,source_id,target_id,weight\nKNOWS,a1,a2,2\n",
            'relationships.csv line 2, column "weight": must be a number above 0 and at most 1',
        ),
        (
            "relationships",
            "type,source_id,target_id,weight\nSUPPORTS,a1,i1,0.5\n",
            "relationships.csv line 2, column \"weight\": SUPPORTS has no property 'weight'",
        ),
        (
            "relationships",
            "type,source_id,target_id\nLIKES,a1,a2\n",
            'relationships.csv line 2, column "type": must be one of',
        ),
        (
            "relationships",
            "type,source_id,target_id\nKNOWS,a1,a1\n",
            'relationships.csv line 2, column "target_id": a node cannot be linked to itself',
        ),
        (
            "relationships",
            "type,source_id,target_id\nKNOWS,,a1\n",
            'relationships.csv line 2, column "source_id": is required',
        ),
    ],
)
def test_a_bad_value_names_file_line_and_column(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    found = problems(dataset(tmp_path, **{name: text}))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_unknown_references_name_file_line_and_column(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        skills=SKILLS,
        actors=(
            "id,kind,name,place_code,skills\n"
            "a1,Resident,Ann,GM9999,skill-cook\n"
            "a2,Resident,Bob,,skill-cook;skill-dance\n"
        ),
        memberships="actor_id,initiative_id\na1,ini-404\n",
        relationships="type,source_id,target_id\nWORKS_FOR,nobody,a1\n",
    )
    assert problems(folder) == [
        "actors.csv line 2, column \"place_code\": unknown place 'GM9999': "
        "not in places.csv, nor in the store",
        "actors.csv line 3, column \"skills\": unknown skill 'skill-dance': "
        "not in skills.csv, nor in the store",
        'memberships.csv line 2, column "initiative_id": unknown enterprise or initiative '
        "'ini-404': not in actors.csv or initiatives.csv, nor in the store",
        "relationships.csv line 2, column \"source_id\": unknown professional 'nobody': "
        "not in actors.csv, nor in the store",
    ]


def test_references_may_point_into_the_store(tmp_path: Path) -> None:
    folder = dataset(tmp_path, actors="id,kind,name,place_code\na1,Resident,Ann,GM0518\n")
    assert problems(folder)  # not in the files ...
    data = load_dir(folder, {NodeId("GM0518"): NodeKind.PLACE})  # ... but in the store
    assert [r.key for r in data.rels] == [("LIVES_IN", "a1", "GM0518")]


def test_a_reference_to_the_wrong_kind_names_its_column(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        skills=SKILLS,
        actors="id,kind,name,place_code\na1,Resident,Ann,skill-cook\n",
        relationships="type,source_id,target_id\nWORKS_FOR,a1,a1x\n",
    )
    found = problems(folder, {NodeId("a1x"): NodeKind.ORGANISATION})
    assert found == [
        'actors.csv line 2, column "place_code": LIVES_IN cannot point to a Skill '
        "(skill-cook); it points to: Place",
        'relationships.csv line 2, column "source_id": WORKS_FOR cannot start at a Resident '
        "(a1); it starts at: Professional",
    ]


def test_a_row_cannot_change_the_kind_of_a_node_in_the_store(tmp_path: Path) -> None:
    folder = dataset(tmp_path, actors="id,kind,name\na1,Resident,Ann\n")
    assert problems(folder, {NodeId("a1"): NodeKind.FREELANCER}) == [
        "actors.csv line 2, column \"id\": 'a1' is a Freelancer in the store; a row cannot "
        "make it a Resident"
    ]
    assert load_dir(folder, {NodeId("a1"): NodeKind.RESIDENT}).nodes  # same kind: an upsert


def test_an_id_twice_is_a_problem_even_across_files(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        skills=SKILLS,
        actors="id,kind,name\na1,Resident,Ann\nskill-law,Resident,Bob\na1,Resident,Ann\n",
    )
    assert problems(folder) == [
        "actors.csv line 3, column \"id\": 'skill-law' is already in skills.csv line 3",
        "actors.csv line 4, column \"id\": 'a1' is already in actors.csv line 2",
    ]


def test_a_relationship_twice_is_fine_unless_the_rows_disagree(tmp_path: Path) -> None:
    actors = "id,kind,name\na1,Resident,Ann\na2,Resident,Bob\n"
    rels = "type,source_id,target_id,since\nKNOWS,a1,a2,2020\nKNOWS,a2,a1,2020\n"
    data = load_dir(dataset(tmp_path / "same", actors=actors, relationships=rels))
    assert [(r.key, r.own_props) for r in data.rels] == [(("KNOWS", "a1", "a2"), {"since": "2020"})]
    rels += "KNOWS,a1,a2,2021\n"
    assert problems(dataset(tmp_path / "differ", actors=actors, relationships=rels)) == [
        "relationships.csv line 4: KNOWS a1 - a2 is also in relationships.csv line 2, "
        "with other properties"
    ]


def test_a_broken_row_does_not_also_make_its_references_unknown(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        actors="id,kind,name,email\na1,Resident,Ann,not-an-address\n",
        memberships="actor_id,initiative_id\na1,i1\n",
        initiatives="id,name\ni1,Club\n",
    )
    assert problems(folder) == [
        "actors.csv line 2, column \"email\": is not an e-mail address: 'not-an-address'"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id,kind,name,mail,phone\n",
            'actors.csv line 1: unknown columns "mail", "phone"; the columns are "id", "kind"',
        ),
        ("id,name\n", 'actors.csv line 1: missing required columns "kind"'),
        ("id,kind,name,Name\n", 'actors.csv line 1: names columns twice: "name"'),
        ("id;kind;name\na1;Resident;Ann\n", "actors.csv line 1: separates columns with ';'"),
        ("", "actors.csv line 1: is empty; it needs at least a header row"),
    ],
)
def test_header_problems(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(dataset(tmp_path, actors=text))
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_header_names_ignore_case_and_blanks_and_columns_may_be_left_out(tmp_path: Path) -> None:
    folder = dataset(tmp_path, skills=" ID , Name_NL,name_en \ns1,Koken,Cooking\n")
    assert load_dir(folder).nodes == [
        imported(
            Skill(id=NodeId("s1"), name_nl="Koken", name_en="Cooking", category=""),
            folder,
            "skills.csv",
        )
    ]


def test_line_numbers_count_blank_lines_and_cells_over_several_lines(tmp_path: Path) -> None:
    text = (
        "id,kind,name,description\n"
        "\n"
        'a1,Resident,Ann,"two\nlines"\n'
        ",,,\n"
        "a2,Resident,Bob,x,surplus\n"
        "a3,Resident,Cas\n"
        "a4,Nobody,Dirk\n"
    )
    assert problems(dataset(tmp_path, actors=text)) == [
        "actors.csv line 6: has 5 values but the header names 4 columns",
        'actors.csv line 8, column "kind": must be one of Resident, Freelancer, Professional, '
        "Enterprise, Organisation, Municipality; got 'Nobody'",
    ]


def test_a_value_in_a_column_without_a_name_is_a_problem(tmp_path: Path) -> None:
    # spreadsheets often save empty columns at the right: harmless while empty
    text = "id,kind,name,,\na1,Resident,Ann,,\na2,Resident,Bob,,oops\n"
    assert problems(dataset(tmp_path, actors=text)) == [
        "actors.csv line 3: has a value in a column without a name"
    ]


def test_text_is_kept_verbatim_and_other_values_are_stripped(tmp_path: Path) -> None:
    text = 'id,kind,name,description,visibility\n a1 ,Resident," Ann, ""A"" ",x\u00e9, NETWORK \n'
    (node,) = load_dir(dataset(tmp_path, actors=text)).nodes
    assert node == imported(
        Actor(
            id=NodeId("a1"),
            kind=ActorKind.RESIDENT,
            name=' Ann, "A" ',
            description="x\u00e9",
            visibility=Visibility.NETWORK,
        ),
        tmp_path,
        "actors.csv",
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("ja", True), ("1", True), ("False", False), ("nee", False)],
)
def test_booleans(tmp_path: Path, raw: str, expected: bool) -> None:
    folder = dataset(tmp_path, places=f"code,name,level,verified\nGM1,Ergens,buurt,{raw}\n")
    (place,) = load_dir(folder).nodes
    assert place == imported(
        Place(id=NodeId("GM1"), name="Ergens", level=PlaceLevel.BUURT, verified=expected),
        folder,
        "places.csv",
    )


def test_a_byte_order_mark_is_fine_and_other_encodings_are_not(tmp_path: Path) -> None:
    good = dataset(tmp_path / "bom")
    (good / "themes.csv").write_bytes(b"\xef\xbb\xbfid,name_nl,name_en\nt1,Gr\xc3\xb6en,Green\n")
    assert load_dir(good).nodes == [
        imported(Theme(id=NodeId("t1"), name_nl="Gr\u00f6en", name_en="Green"), good, "themes.csv")
    ]
    bad = dataset(tmp_path / "latin1")
    (bad / "themes.csv").write_bytes(b"id,name_nl,name_en\nt1,Groen,Green\nt2,Gr\xf6en,Green\n")
    assert problems(bad) == ["themes.csv line 3: is not UTF-8 text (save it as 'CSV UTF-8')"]


def test_broken_quoting_is_a_problem(tmp_path: Path) -> None:
    found = problems(dataset(tmp_path, themes='id,name_nl,name_en\nt1,"Gr"oen,Green\n'))
    assert len(found) == 1
    assert found[0].startswith("themes.csv line 2: is not valid CSV")


def test_folder_problems(tmp_path: Path) -> None:
    assert problems(tmp_path / "missing") == [f"{tmp_path / 'missing'}: is not a folder"]
    assert problems(dataset(tmp_path / "empty")) == [
        f"{tmp_path / 'empty'}: holds none of the files {', '.join(COLUMNS)}"
    ]
    found = problems(dataset(tmp_path / "typo", themes=THEMES, actor="id,kind,name\n"))
    assert found == [
        f"actor.csv: is not a file wijknet reads (the files are: {', '.join(COLUMNS)})"
    ]


def test_problems_are_collected_and_capped(tmp_path: Path) -> None:
    rows = "".join(f"a{i},Resident,Ann,x\n" for i in range(MAX_PROBLEMS + 5))
    folder = dataset(
        tmp_path,
        themes="id,name_nl\n",
        actors="id,kind,name,email\n" + rows,
    )
    with pytest.raises(ImportErrors) as info:
        load_dir(folder)
    err = info.value
    assert isinstance(err, InvalidInput)
    assert err.total == MAX_PROBLEMS + 6
    assert len(err.problems) == MAX_PROBLEMS
    assert str(err.problems[0]) == 'themes.csv line 1: missing required columns "name_en"'
    assert str(err.problems[1]).startswith('actors.csv line 2, column "email"')
    text = str(err)
    assert text.startswith(f"{MAX_PROBLEMS + 6} problems found; nothing was imported:\n")
    assert text.endswith("\n  ... and 6 more")


def test_a_bad_row_in_the_last_file_means_nothing_is_returned(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        places=PLACES,
        skills=SKILLS,
        actors="id,kind,name\na1,Resident,Ann\n",
        relationships="type,source_id,target_id\nLIVES_IN,a1,GM0518\nLIVES_IN,a1,\n",
    )
    parsed = parse_dir(folder)
    assert parsed.problem_count == 1
    with pytest.raises(ImportErrors):
        parsed.resolve({})


def test_export_then_read_gives_the_same_graph(tmp_path: Path) -> None:
    place = Place(id=NodeId("GM1"), name="Stad", level=PlaceLevel.MUNICIPALITY, verified=True)
    wijk = Place(id=NodeId("WK1"), name="Wijk", level=PlaceLevel.NEIGHBOURHOOD, cbs_code=" WK1")
    skill = Skill(id=NodeId("s1"), name_nl="Koken", name_en="Cooking")
    theme = Theme(id=NodeId("t1"), name_nl="Eten", name_en="Food", description_en='a "b", c')
    ann = Actor(
        id=NodeId("res-1"),
        kind=ActorKind.RESIDENT,
        name=' Ann;"van" Dijk ',  # a name has no line breaks (graph.text); a description may
        description="eerste regel\ntweede regel",
        email="ann@example.nl",
        matchable=True,
    )
    pro = Actor(id=NodeId("pro-1"), kind=ActorKind.PROFESSIONAL, name="Pia", profession="coach")
    ent = Actor(
        id=NodeId("ent-1"),
        kind=ActorKind.ENTERPRISE,
        name="Wijkbedrijf",
        legal_form=LegalForm.STICHTING,
        revenue_models=(RevenueModel.SUBSIDIES, RevenueModel.ROOM_RENTAL),
        visibility=Visibility.NETWORK,
        matchable=False,
    )
    ini = Initiative(id=NodeId("ini-1"), name="Club", started="2024-05-01")
    nodes: list[Node] = [place, wijk, skill, theme, ann, pro, ent, ini]
    rels = [
        Relationship(RelType.PART_OF, wijk.id, place.id),
        Relationship(RelType.LIVES_IN, ann.id, wijk.id),
        Relationship(RelType.LIVES_IN, ann.id, place.id),  # two homes: relationships.csv
        Relationship(RelType.HAS_SKILL, ann.id, skill.id),
        Relationship(RelType.OFFERS, ent.id, skill.id, {"note": "op dinsdag"}),
        Relationship(RelType.INTERESTED_IN, pro.id, theme.id),
        Relationship(RelType.ABOUT, ini.id, theme.id),
        Relationship(RelType.MEMBER_OF, ann.id, ent.id, {"role": "board"}),
        Relationship(RelType.NEEDS, ini.id, skill.id, {"note": "snel"}),
        Relationship(RelType.KNOWS, pro.id, ann.id, {"weight": 0.1, "since": "2019"}),
        Relationship(RelType.WORKS_FOR, pro.id, ent.id, {"role": "opbouwwerker"}),
    ]
    tables = export_tables(nodes, rels)
    assert {name: rows[0] for name, rows in tables.items()} == {
        name: list(columns) for name, columns in COLUMNS.items()
    }
    write_tables(tmp_path, tables)
    data = load_dir(tmp_path)
    assert sorted(data.nodes, key=lambda n: n.id) == sorted(nodes, key=lambda n: n.id)
    assert sorted(data.rels, key=lambda r: r.key) == sorted(rels, key=lambda r: r.key)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(COLUMNS)  # no leftovers


def test_formulas_are_escaped_in_files_and_read_back_as_written(tmp_path: Path) -> None:
    names = [
        "=cmd|' /C calc'!A0",
        "+31 6 1234",
        "-1+1",
        "@SUM(A1)",
        "'=al escaped",
        "'s-Gravenhage",
    ]
    nodes: list[Node] = [
        Actor(id=NodeId(f"ent-{i}"), kind=ActorKind.ENTERPRISE, name=name)
        for i, name in enumerate(names)
    ]
    write_tables(tmp_path, export_tables(nodes, []))
    text = (tmp_path / "actors.csv").read_text(encoding="utf-8")
    cells = {row.split(",")[0]: row for row in text.splitlines()[1:]}
    for i in range(len(names)):
        row = cells[f"ent-{i}"]
        assert not any(f",{c}" in row for c in "=+@") and ",-1" not in row, row
    assert "'s-Gravenhage" in text and "''s-Gravenhage" not in text
    assert sorted(load_dir(tmp_path).nodes, key=lambda n: n.id) == nodes


def test_control_characters_are_refused_naming_file_line_and_column(tmp_path: Path) -> None:
    folder = dataset(
        tmp_path,
        places=PLACES,
        actors="id,kind,name,description\nres-1,resident,Fa\x00tima,\nres-2,resident,Bo,ok\x07\n",
    )
    found = problems(folder)
    assert any("actors.csv line 2" in p and "name" in p and "U+0000" in p for p in found), found
    assert any("actors.csv line 3" in p and "description" in p and "U+0007" in p for p in found)
