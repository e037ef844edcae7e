"""The config parser: every problem at once with its key path and line, never a traceback."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.config import DEFAULT_EXCLUDE, Config, ConfigProblem, ConfigResult, parse_config

GOOD = """\
roots = ["src"]
fail_on = "any"

[duplicates]
threshold = 0.9

[[concept]]
name = "WebSocketManager"
canonical = "app.ws.unified.UnifiedWebSocketManager"
aliases = ["app.ws.manager.WebSocketManager"]
preferred = "app.ws.manager.WebSocketManager"
interface = ["send"]
factory = "app.ws.get_manager"
issue = 564
close_issue = true
"""


def test_a_good_config() -> None:
    result = parse_config(GOOD, ".github/ssot.toml")
    assert result.problems == ()
    cfg = result.config
    assert cfg.roots == ("src",) and cfg.fail_on == "any" and cfg.duplicates.threshold == 0.9
    [concept] = cfg.concepts
    assert concept.class_names == frozenset({"UnifiedWebSocketManager", "WebSocketManager"})
    assert concept.paths == ("app.ws.unified.UnifiedWebSocketManager", "app.ws.manager.WebSocketManager")
    assert concept.issue == 564 and concept.close_issue


def test_defaults() -> None:
    cfg = parse_config("", ".github/ssot.toml").config
    assert cfg.roots is None and cfg.exclude == DEFAULT_EXCLUDE and cfg.fail_on == "new"
    assert cfg.max_file_bytes == 1_000_000 and cfg.concepts == ()
    assert (cfg.duplicates.enabled, cfg.duplicates.min_methods, cfg.duplicates.threshold) == (True, 3, 0.75)


def test_pyproject_table() -> None:
    text = ("[project]\nname = 'x'\n\n[tool.ssot]\nfail_on = 'any'\n\n[[tool.ssot.concept]]\nname = 'A'\n"
            "canonical = 'a.b.A'\n")
    result = parse_config(text, "pyproject.toml")
    assert result.problems == () and result.config.fail_on == "any" and result.config.concepts[0].name == "A"
    assert result.config.source == "pyproject.toml"
    for other in ("[project]\nname = 'x'\n", "[tool.black]\nline-length = 1\n", "tool = 3\n"):
        assert parse_config(other, "pyproject.toml") == ConfigResult(Config())  # no table: no file, no problem
    for text, kind, line in (("[project]\nname = 'x'\n\n[tool]\nssot = 3\n", "an integer", 5),
                             ("[tool.other]\nssot = 1\n\n[tool]\n'ssot' = 'x'\n", "a string", 5),
                             ("[project]\n[[tool.ssot]]\nroots = ['a']\n[[tool.ssot]]\n", "an array", 2)):
        problem = ConfigProblem("pyproject.toml", "tool.ssot", f"must be a table, not {kind}", line)
        assert parse_config(text, "pyproject.toml").problems == (problem,), text


def test_every_problem_is_reported_with_key_and_line() -> None:
    text = """\
fail_on = "sometimes"
colour = "blue"

[duplicates]
threshold = 2

[[concept]]
name = "A"
canonical = "not a path"
aliases = "app.b.A"
issue = 0

[[concept]]
canonical = "app.c.C"
preferred = "app.d.C"
close_issue = true
"""
    problems = parse_config(text, ".github/ssot.toml").problems
    got = {(p.key, p.line) for p in problems}
    assert got == {
        ("fail_on", 1), ("colour", 2), ("duplicates.threshold", 5),
        ("concept[0].canonical", 9), ("concept[0].aliases", 10), ("concept[0].issue", 11),
        ("concept[1].name", 13), ("concept[1].preferred", 15), ("concept[1].close_issue", 16),
    }
    by_key = {p.key: p.message for p in problems}
    assert "must be \"new\" or \"any\"" in by_key["fail_on"]
    assert "is required" in by_key["concept[1].name"]
    assert "must be the canonical path or one of the aliases" in by_key["concept[1].preferred"]


def test_a_problem_in_pyproject_is_placed_in_its_own_table() -> None:
    """A key the problem names but its table lacks (``name``) is not looked for past the
    end of that table, in another tool's."""
    text = ('[tool.ssot]\nfail_on = "new"\n\n[[tool.ssot.concept]]\ncanonical = "app.core.X"\n\n'
            '[tool.poetry]\nname = "x"\n')
    assert {p.key: p.line for p in parse_config(text, "pyproject.toml").problems} == {"concept[0].name": 4}


def test_not_toml_names_the_line() -> None:
    [problem] = parse_config('roots = ["src"]\n[[concept]\nname = 1\n', ".github/ssot.toml").problems
    assert problem.line == 2 and "not valid TOML" in problem.message


def test_values_that_cannot_work_are_problems() -> None:
    """A limit no file needs (and a read could not allocate), and roots outside the
    repository or none at all: said, with their key, not found out later."""
    text = 'roots = ["/etc", "src/../.."]\nmax_file_bytes = 99999999999999999999\n'
    result = parse_config(text, ".github/ssot.toml")
    assert {p.key: p.line for p in result.problems} == {"roots": 1, "max_file_bytes": 2}
    assert "at most 16_777_216 (16 MiB)" in {p.key: p.message for p in result.problems}["max_file_bytes"]
    assert result.config.max_file_bytes == 1_000_000 and result.config.roots is None
    assert [p.key for p in parse_config("roots = []\n", ".github/ssot.toml").problems] == ["roots"]
    fine = parse_config('roots = ["src", ".", "./lib/", "a//b/."]\nmax_file_bytes = 16_777_216\n', "x")
    assert not fine.problems and fine.config.roots == ("src", ".", "lib", "a/b")  # as the index matches paths
    assert [p.key for p in parse_config('roots = ["src\\\\pkg"]\n', "x").problems] == ["roots"]


def test_a_pattern_that_cannot_be_used_is_a_problem_with_its_line() -> None:
    # regression: `exclude = ["[z-a]"]` stopped every run with a traceback (exit 1, no output)
    text = ('exclude = ["tests/", "[z-a]", "!"]\n[[concept]]\nname = "M"\ncanonical = "app.core.M"\n'
            'allow = ["ok/", "legacy/[b-a]/"]\n')
    result = parse_config(text, ".github/ssot.toml")
    assert {p.key: p.line for p in result.problems} == {"exclude[1]": 1, "exclude[2]": 1, "concept[0].allow[1]": 5}
    messages = {p.key: p.message for p in result.problems}
    assert messages["exclude[1]"] == "`[z-a]` is not a valid pattern (bad character range z-a)"
    assert "takes back nothing" in messages["exclude[2]"]
    assert result.config.exclude == DEFAULT_EXCLUDE and result.config.concepts == ()
    fine = parse_config('exclude = ["[]]x", "a/[!b]*.py", "!keep.py", "\\\\!odd.py"]\n', "x")
    assert not fine.problems, fine.problems


def test_dotted_paths_may_hold_any_identifier() -> None:
    # regression: `pkg.mod.Ünï` was "not a dotted path", though Python imports it
    text = '[[concept]]\nname = "U"\ncanonical = "pkg.mod.Ünï"\naliases = ["café.Ünï"]\n'
    result = parse_config(text, ".github/ssot.toml")
    assert not result.problems and result.config.concepts[0].aliases == ("café.Ünï",)
    assert [p.key for p in parse_config('[[concept]]\nname = "U"\ncanonical = "pkg.2x"\n', "x").problems] == [
        "concept[0].canonical"]


def test_a_problem_under_a_dotted_key_names_its_line() -> None:
    # regression: `duplicates.threshold = 5` (no [duplicates] table) was placed on line 1
    result = parse_config('roots = ["src"]\n\nduplicates.threshold = 5\n', ".github/ssot.toml")
    assert [(p.key, p.line) for p in result.problems] == [("duplicates.threshold", 3)]


def test_a_config_that_is_not_utf8_names_the_byte() -> None:
    """TOML is UTF-8: a config with another byte is not read as a guess."""
    [problem] = parse_config(b'roots = ["src"]\n[[concept]]\nname = "W\xe9"\n', ".github/ssot.toml").problems
    assert problem.line == 3 and "byte 0xe9 is not UTF-8 (at line 3, column 10)" in problem.message
    assert parse_config(b'roots = ["\xc3\xa9"]\n', "x").config.roots == ("\u00e9",)
    [bom] = parse_config(b'\xef\xbb\xbfroots = ["src"]\n', ".github/ssot.toml").problems
    assert "starts with a byte order mark" in bom.message


def test_duplicate_concept_names() -> None:
    text = "[[concept]]\nname = 'A'\ncanonical = 'a.A'\n[[concept]]\nname = 'A'\ncanonical = 'b.A'\n"
    result = parse_config(text, ".github/ssot.toml")
    assert [p.key for p in result.problems] == ["concept[1].name"]
    assert len(result.config.concepts) == 1


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(["roots", "exclude", "fail_on", "max_file_bytes", "duplicates", "concept", "other"])
concept_keys = st.sampled_from(["name", "canonical", "aliases", "preferred", "names", "interface", "factory",
                                "issue", "close_issue", "allow", "bogus"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, toml_values | st.lists(st.dictionaries(concept_keys, toml_values), max_size=3)))
def test_garbage_structures_never_raise(data: dict) -> None:
    from rules.config import _Validator

    result = _Validator("", ".github/ssot.toml").run(data)
    for concept in result.config.concepts:
        assert isinstance(concept.name, str) and isinstance(concept.canonical, str)
    for problem in result.problems:
        assert problem.key and problem.message and problem.line >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_garbage_text_never_raises(text: str) -> None:
    result = parse_config(text, ".github/ssot.toml")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert result.problems and result.problems[0].message.startswith("not valid TOML")


def test_the_issues_a_broken_config_names_are_read_leniently() -> None:
    def declared_issues(text: str, source: str, **table: str) -> tuple[tuple[str, int], ...]:
        return parse_config(text, source, **table).declared

    text = ('fail_on = "sometimes"\n[[concept]]\nname = "A"\ncanonical = "not a path!"\nissue = 7\n'
            '[[concept]]\nname = "B"\nissue = true\n[[concept]]\nname = "A"\nissue = 7\n'
            '[[concept]]\nissue = 9\n[[concept]]\nname = "C"\nissue = 8\n')
    assert declared_issues(text, ".github/ssot.toml") == (("A", 7), ("C", 8))
    spaced = '[[concept]]\nname = " A "\nissue = 7\n[[concept]]\nname = "  "\nissue = 8\n'
    assert declared_issues(spaced, ".github/ssot.toml") == (("A", 7),)  # the name as the config reads it
    pyproject = "[tool.ssot]\nfail_on = 1\n[[tool.ssot.concept]]\nname = 'P'\nissue = 3\n"
    assert declared_issues(pyproject, "pyproject.toml") == (("P", 3),)
    # `--config some/pyproject.toml` has top-level keys: read as the validator reads it
    top = '[[concept]]\nname = "A"\nissue = 7\ncanonical = "bad"\n'
    assert declared_issues(top, "cfg/pyproject.toml", table="") == (("A", 7),)
    assert declared_issues("[[concept]\nname = 'A'", ".github/ssot.toml") == ()
    assert declared_issues("concept = 3", ".github/ssot.toml") == ()
