"""Pure builders: exact check-run and issue text, GitHub's limits, command parsing, config diffs."""

from __future__ import annotations

import io
import tarfile

import pytest

from bot import checkrun, commands, config_change, issue_status
from bot.github_api import TooLarge
from bot.github_snapshot import read_tarball
from rules.config import parse_config
from rules.engine import compare
from rules.model import Check, ConceptResult, Definition, Finding, Location, Report, Severity, Summary

CANONICAL = Definition("app/ws/unified.py", 1, "UnifiedWebSocketManager", "class", "app.ws.unified")
CHAINS = (("app.ws.unified.UnifiedWebSocketManager", ("app.ws.unified.UnifiedWebSocketManager (class, line 1)",)),
          ("app.ws.manager.WebSocketManager", ("app.ws.manager.WebSocketManager",
                                               "app.ws.unified.UnifiedWebSocketManager (class, line 1)")))


def finding(code: str = "SSOT003", path: str = "app/chat/handler.py", line: int = 3, new: bool | None = True,
            symbol: str = "app.chat.handler.WebSocketManager") -> Finding:
    return Finding(code, "duplicate-definition", Severity.ERROR, "WebSocketManager", symbol,
                   "class `WebSocketManager` is a second definition", Location(path, line, 1, line + 1),
                   chain=("app.chat.handler.WebSocketManager", "app.chat.handler.WebSocketManager (class, line 3)"),
                   new=new)


def concept(status: str = "fail") -> ConceptResult:
    checks = (Check("SSOT001", "pass", "", "2 paths resolve", "2 resolve"),
              Check("SSOT003", status, "", "1 definition", "2 definitions" if status == "fail" else "1 definition"),
              Check("SSOT004", "pass", "", "__init__(self)", "same"),
              Check("SSOT005", "skip", "no `interface` configured"))
    return ConceptResult("WebSocketManager", status, 564, False, CANONICAL, checks, CHAINS)


def report(findings: tuple[Finding, ...] = (finding(),), fixed: tuple[Finding, ...] = (),
           status: str = "fail") -> Report:
    return Report(rev="head", base="base", concepts=(concept(status),), findings=findings, fixed=fixed,
                  summary=Summary(files=6, parsed=2, cached=4, seconds=0.25), fail_on="new",
                  config_path=".github/ssot.toml")


EXPECTED_SUMMARY = """\
### New findings (1)

- ❌ **SSOT003 duplicate-definition** at `app/chat/handler.py:3`: class `WebSocketManager` is a second definition
  - resolution: `app.chat.handler.WebSocketManager` → `app.chat.handler.WebSocketManager (class, line 3)`

### ❌ `WebSocketManager` fails · canonical `app.ws.unified.UnifiedWebSocketManager` (`app/ws/unified.py:1`) \
· tracking #564

| check | expected | actual | status |
| --- | --- | --- | --- |
| SSOT001 alias-unresolved | 2 paths resolve | 2 resolve | ✅ pass |
| SSOT003 duplicate-definition | 1 definition | 2 definitions | ❌ fail |
| SSOT004 signature-mismatch | \\_\\_init\\_\\_(self) | same | ✅ pass |
| SSOT005 interface-missing | — | — | ➖ skip: no `interface` configured |

<sub>6 files checked (2 parsed, 4 from cache) in 0.25s, with the configuration from `.github/ssot.toml` \
on the base branch.</sub>"""


def test_check_run_summary_exact() -> None:
    assert checkrun.summary(report()) == EXPECTED_SUMMARY
    assert checkrun.title(report()) == "1 new error: SSOT003 duplicate-definition"
    assert checkrun.conclusion(report()) == "failure"


def test_a_fixed_concept_says_it_resolves_its_issue() -> None:
    fixed = report(findings=(), fixed=(finding(new=False),), status="pass")
    assert checkrun.conclusion(fixed) == "success"
    assert checkrun.summary(fixed).startswith("`WebSocketManager` now passes: resolves #564\n\n### Fixed findings (1)")
    assert checkrun.title(fixed) == "1 of 1 concept pass; no new errors"


def test_completed_payloads_batch_annotations_by_50() -> None:
    many = tuple(finding(path=f"app/m{i}.py", symbol=f"app.m{i}.WebSocketManager") for i in range(101))
    payloads = checkrun.completed(report(findings=many), "2026-11-24T12:00:00Z")
    assert [len(p["output"]["annotations"]) for p in payloads] == [50, 50, 1]
    assert payloads[0]["conclusion"] == "failure" and payloads[0]["actions"] == [checkrun.RECHECK_ACTION]
    assert all(p["output"]["title"] == payloads[0]["output"]["title"] for p in payloads)
    assert "conclusion" not in payloads[1]


def test_summary_is_cut_to_githubs_limit() -> None:
    many = tuple(finding(path=f"app/{'deep/' * 40}m{i}.py", symbol=f"s{i}") for i in range(400))
    text = checkrun.summary(report(findings=many), config_change=["concept `C` is added"], config_path="x.toml")
    assert len(text) <= checkrun.MAX_SUMMARY
    # the cut falls in the findings; what the pull request's config edit changes, and the
    # footer, are kept whole after the note
    body, _, tail = text.partition(checkrun.CUT_NOTE)
    assert tail.startswith("\n\n" + checkrun.CONFIG_CHANGE_HEADER.format(path="x.toml"))
    assert "- concept `C` is added\n\n<sub>6 files checked" in tail and tail.endswith("</sub>")
    assert body.rsplit("\n", 1)[-1].startswith("  - resolution: ")  # cut between whole lines


def test_neutral_says_why_in_one_line() -> None:
    payload = checkrun.neutral("GitHub did not answer\nGET /x", "2026-11-24T12:00:00Z")
    assert payload["conclusion"] == "neutral"
    assert payload["output"]["title"] == "Could not finish: GitHub did not answer GET /x"
    assert "**Why:** GitHub did not answer" in payload["output"]["summary"]


def test_mermaid_graph_marks_the_canonical_definition() -> None:
    assert issue_status.mermaid(concept()) == "\n".join([
        "```mermaid", "graph LR",
        '  n0["app.ws.unified.UnifiedWebSocketManager (class, line 1)"]',
        '  n1["app.ws.manager.WebSocketManager"]',
        "  n1 --> n0",
        "  classDef canonical fill:#dafbe1,stroke:#1a7f37",
        "  classDef stray fill:#ffebe9,stroke:#cf222e",
        "  class n0 canonical", "```"])


@pytest.mark.parametrize(("previous", "current", "flip"), [
    (None, "fail", None), ("fail", "fail", None), ("fail", "pass", "resolved"), ("pass", "fail", "regressed")])
def test_flips(previous: str | None, current: str, flip: str | None) -> None:
    assert issue_status.flip(previous, current) == flip


def test_status_comment_remembers_its_status() -> None:
    body = issue_status.status_body(concept("pass"), branch="main", sha="abc", when="now")
    assert issue_status.shown_status(body, "WebSocketManager") == "pass"
    mine = {"id": 2, "body": body, "user": {"type": "Bot"}}
    assert issue_status.find([{"id": 1, "body": "hi", "user": {"type": "User"}}, mine], "WebSocketManager") is mine


def test_a_broken_config_comment_quotes_the_config_without_letting_it_speak() -> None:
    """A problem quotes keys and values from the config: one line each, no heading, no
    mention, no HTML; a status marker inside can never be taken for the comment's own."""
    from rules.config import ConfigProblem

    key = 'x\n<!-- ssot:status=fail -->\n### @octocat ' + "k" * 500
    problems = [ConfigProblem(".github/ssot.toml", key, "unknown key `x`\n<!-- ssot:status=fail -->", 3)] * 60
    body = issue_status.broken_config_body("WebSocketManager", problems, branch="main", sha="abc", when="now",
                                           previous=None)
    assert issue_status.shown_status(body, "WebSocketManager") is None  # nothing shown before: nothing is claimed now
    assert not any(line.startswith(("#", "<!-- ssot:status")) for line in body.splitlines()[2:])
    assert "<!-- ssot:status=fail -->" not in body.split("`")[0::2]  # only ever inside a code span
    assert body.count("\n- ") == issue_status.LISTED_PROBLEMS + 1 and "and 10 more" in body
    assert len(body) < 40_000
    kept = issue_status.broken_config_body("WebSocketManager", problems[:1], branch="main", sha="abc", when="now",
                                           previous="pass")
    assert issue_status.shown_status(kept, "WebSocketManager") == "pass"
    # edited on the web: CRLF
    assert issue_status.shown_status(kept.replace("\n", "\r\n"), "WebSocketManager") == "pass"
    quoted = issue_status.broken_config_body("A", [ConfigProblem("p.toml", "k", "`<x>` is not <b>a path</b>", 1)],
                                             branch="main", sha="abc", when="now", previous=None)
    assert "`<x>` is not \\<b>a path\\</b>" in quoted  # a code span shows `<` as it is; HTML elsewhere is text
    odd = issue_status.broken_config_body("A\nB", problems[:1], branch="main", sha="abc", when="now", previous="fail")
    assert issue_status.shown_status(odd, "A\nB") == "fail"  # a name of two lines
    arrow = issue_status.broken_config_body("A-->B", problems[:1], branch="main", sha="abc", when="now",
                                            previous="pass")
    assert issue_status.shown_status(arrow, "A-->B") == "pass"  # a name that ends an HTML comment
    mine = {"id": 2, "body": kept, "user": {"type": "Bot"}}
    other = {"id": 1, "body": "intro\n" + issue_status.marker("WebSocketManager"), "user": {"type": "Bot"}}
    assert issue_status.find([other, mine], "WebSocketManager") is mine  # the marker opens the comment


@pytest.mark.parametrize(("body", "command"), [
    ("/ssot recheck", commands.RECHECK), ("thanks!\n  /SSOT   Recheck  \n", commands.RECHECK),
    ("/ssot help", commands.HELP), ("> /ssot recheck", None), ("please /ssot recheck", None), (None, None)])
def test_commands_are_whole_lines(body: str | None, command: str | None) -> None:
    assert commands.parse(body) == command


def test_config_change_is_described_key_by_key() -> None:
    old = parse_config('fail_on = "new"\n[[concept]]\nname = "A"\ncanonical = "a.A"\n', ".github/ssot.toml")
    new = parse_config('fail_on = "any"\n[[concept]]\nname = "A"\ncanonical = "a.B"\n'
                       '[[concept]]\nname = "C"\ncanonical = "c.C"\n', ".github/ssot.toml")
    assert config_change.describe(old, new) == [
        "`fail_on`: `new` → `any`", "concept `A`: `canonical`: `a.A` → `a.B`", "concept `C` is added"]
    assert config_change.describe(old, old) == [config_change.NO_EFFECT]


def _tarball(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            archive.addfile(info)
    return out.getvalue()


def test_tarballs_are_read_in_memory_keeping_only_what_matters() -> None:
    data = _tarball({"o-r-abc/app/a.py": b"x = 1\n", "o-r-abc/README.md": b"hi", "o-r-abc/../evil.py": b"",
                     "o-r-abc/.github/ssot.toml": b"", "o-r-abc/app/big.py": b"#" * 100},
                    links=("o-r-abc/app/link.py",))
    read = read_tarball(data, max_total=10_000, max_member=50)
    assert read.files == {"app/a.py": b"x = 1\n", ".github/ssot.toml": b""}
    assert read.too_large == {"app/big.py": 100}  # listed, so collect() reports it
    with pytest.raises(TooLarge):
        read_tarball(data, max_total=3)
    with pytest.raises(TooLarge):
        read_tarball(b"not a tarball", max_total=10)


def test_mermaid_labels_cannot_leave_their_node_or_the_fence() -> None:
    hostile = 'x"] --> evil\n```\n@everyone <img src=x> #35; `y`'
    graph = issue_status.mermaid(ConceptResult("C", "fail", 1, False, None, (), (("a.B", ("a.B", hostile)),)))
    lines = graph.split("\n")
    assert lines[0] == "```mermaid" and lines[-1] == "```" and graph.count("```") == 2
    assert lines[3] == ('  n1["x#quot;] --#gt; evil #96;#96;#96; @everyone #lt;img src=x#gt; #35;35; #96;y#96;"]')
    assert lines[4] == "  n0 --> n1"


def test_paths_and_messages_stay_inside_their_code_spans_and_lines() -> None:
    odd = Finding("SSOT009", "parse-error", Severity.WARNING, None, "x", "`a``b.py` was not analysed:\n# heading",
                  Location("a``b.py", 2))
    assert checkrun.finding_item(odd) == (
        "- ⚠️ **SSOT009 parse-error** at ```a``b.py:2```: `a``b.py` was not analysed: # heading")
    assert checkrun.code("`x`") == "`` `x` ``"


def test_config_problems_are_not_counted_as_existing_errors() -> None:
    problem = Finding("SSOT010", "config-error", Severity.ERROR, None, "concept[0].name", "`name` is required",
                      Location(".github/ssot.toml", 2), new=False)
    broken = Report(rev="h", base="b", concepts=(), findings=(problem,), fail_on="new", config_path=".github/ssot.toml")
    assert checkrun.conclusion(broken) == "neutral"
    assert checkrun.summary(broken).split("\n\n")[:2] == [
        "### Configuration problems",
        "- ❌ **SSOT010 config-error** at `.github/ssot.toml:2`: `name` is required",
    ]
    assert "existing error" not in checkrun.summary(broken)


def test_a_rule_that_stopped_on_the_base_is_no_fix_and_the_check_is_neutral() -> None:
    """A rule that stopped on the base (a missing git object, a bug) found nothing there:
    what the head has is not new because of it, and its notice is not a fix. The check
    could not finish: neutral, saying which rule stopped."""
    stopped = Finding("SSOT003", "duplicate-definition", Severity.NOTICE, "A", "crash:DetailError",
                      "SSOT003 duplicate-definition could not finish: `a.py` changed", Location("a.py", 1))
    real = Finding("SSOT009", "parse-error", Severity.NOTICE, None, "b.py", "`b.py` was not analysed", Location("b.py"))
    duplicate = Finding("SSOT003", "duplicate-definition", Severity.ERROR, "A", "other.A", "a second `A`",
                        Location("other.py", 1))
    head = Report(rev="h", base=None, concepts=(), findings=(duplicate,), fail_on="new")
    base = Report(rev="b", base=None, concepts=(), findings=(stopped, real), fail_on="new")
    merged = compare(head, base)
    assert [f.key for f in merged.fixed] == [real.key]
    # the duplicate may be as old as the base: the rule that would have said so stopped there
    assert [(f.key, f.new, f.message) for f in merged.findings] == [
        (stopped.key, False, "on the base: " + stopped.message), (duplicate.key, None, duplicate.message)]
    assert merged.incomplete and not merged.failed
    assert checkrun.conclusion(merged) == "neutral"
    assert checkrun.title(merged) == ("Could not finish: 1 rule stopped, their results are missing "
                                      "(see the notices below)")
    assert checkrun.summary(merged).split("\n\n")[0] == "### Could not finish"


def test_only_a_bots_comment_is_the_status_comment() -> None:
    body = issue_status.status_body(concept("fail"), branch="main", sha="abc", when="now")
    quoted = {"id": 1, "body": "> " + body, "user": {"login": "rita", "type": "User"}}
    assert issue_status.find([quoted], "WebSocketManager") is None
    mine = {"id": 2, "body": body, "user": {"login": "ssot-bot[bot]", "type": "Bot"}}
    assert issue_status.find([quoted, mine], "WebSocketManager") is mine


def test_a_status_comment_fits_githubs_limit_even_with_thousands_of_aliases() -> None:
    from bot import issue_status
    from rules.engine import analyze_sources

    aliases = [f"app.compat{i}.Manager" for i in range(3000)]
    files = {"app/__init__.py": "", "app/core.py": "class Manager:\n    pass\n"}
    files.update({f"app/compat{i}.py": "from .core import Manager\n" for i in range(3000)})
    quoted = ", ".join(f'"{a}"' for a in aliases)
    config = f'[[concept]]\nname = "Manager"\ncanonical = "app.core.Manager"\naliases = [{quoted}]\n'
    [concept] = analyze_sources(files, config).concepts
    body = issue_status.status_body(concept, branch="main", sha="abc", when="now")
    assert len(body) <= issue_status.MAX_COMMENT
    assert issue_status.GRAPH_TOO_LARGE in body and body.startswith(issue_status.marker("Manager"))


async def test_a_tarball_member_too_large_to_read_is_reported_not_dropped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A cold start reads one tarball; a member over its size cap is not read but listed,
    so the check reports it (SSOT009) instead of analysing the repository without it."""
    import functools

    from bot import github_snapshot
    from bot.analysis import collect
    from bot.cache import SummaryStore
    from rules.config import parse_config

    data = _tarball({"o-r-abc/app/a.py": b"x = 1\n", "o-r-abc/app/big.py": b"#" * 100})

    class Api:
        async def tarball(self, owner: str, repo: str, ref: str, max_bytes: int) -> bytes:
            return data

    async def nothing_cached(shas: list[str]) -> set[str]:
        return set()

    async def inline(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        return func(*args, **kwargs)

    monkeypatch.setattr(github_snapshot, "read_tarball", functools.partial(read_tarball, max_member=50))
    config = parse_config("max_file_bytes = 60\n", ".github/ssot.toml")
    tree = github_snapshot.Tree("abc", {}, truncated=True)
    snapshot = await github_snapshot.fill(Api(), "o", "r", tree, config.config, cached=nothing_cached,  # type: ignore[arg-type]
                                          offload=inline, tarball_threshold=0, tarball_max_bytes=10_000)
    files = collect(snapshot, config, SummaryStore(None, "t")).files
    assert files["app/big.py"].error is not None and "over max_file_bytes" in files["app/big.py"].error[0]
    assert files["app/a.py"].error is None
