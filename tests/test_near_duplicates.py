"""SSOT008 and the class fingerprint: copies survive renaming and reordering, unrelated
classes stay apart, and the candidate search finds exactly what comparing every pair would."""

from __future__ import annotations

import ast
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.config import DuplicatesConfig
from rules.engine import analyze_sources
from rules.near_duplicate_class import similar_pairs
from rules.shape import class_shape, similarity

THRESHOLD = DuplicatesConfig().threshold
MIN_METHODS = DuplicatesConfig().min_methods

#: statement templates: {v}/{w} locals, {a} attributes, {f} callables, {p} parameters,
#: {n} numbers, {s} strings; "|" separates the lines of a compound statement
TEMPLATES = (
    "{v} = self.{a}",
    "self.{a} = {p}",
    "{v} = {f}({p}, {n})",
    "{v} = self.{f}({p}, key={s})",
    "return {v}",
    "return self.{a}",
    "if {v} is None:|    {v} = {n}",
    "if not {p}:|    raise ValueError({s})|else:|    self.{a} = {p}",
    "for {w} in self.{a}:|    {w}.{f}({s})",
    "self.{a}.append({v})",
    "with {f}({p}) as {w}:|    {v} = {w}.{a}",
    "try:|    {v} = {f}({p})|except KeyError:|    {v} = None",
    "{v} += {n}",
    "assert {v}, {s}",
    "while {v} > {n}:|    {v} -= 1",
    "del self.{a}[{p}]",
)

method_body = st.lists(st.integers(0, len(TEMPLATES) - 1), min_size=1, max_size=6)
class_spec = st.lists(st.tuples(st.integers(0, 3), method_body), min_size=MIN_METHODS, max_size=7)


def render(spec: list[tuple[int, list[int]]], names: dict[str, str], *, class_name: str = "Thing",
           method_names: list[str] | None = None, order: list[int] | None = None) -> str:
    """Source of a class from a spec; ``names`` maps placeholders to identifiers/literals."""
    lines = [f"class {class_name}:", f"    {names['a']}0 = {names['n']}"]
    for k in order if order is not None else range(len(spec)):
        params, body = spec[k]
        name = method_names[k] if method_names else f"method_{k}"
        args = ", ".join(["self", *(f"{names['p']}{i}" for i in range(params))])
        lines.append(f"    def {name}({args}):")
        lines.append(f"        {names['v']} = {names['n']}")
        for t in body:
            text = TEMPLATES[t].format(v=names["v"], w=names["w"], a=names["a"], f=names["f"],
                                       p=f"{names['p']}0" if params else names["v"],
                                       n=names["n"], s=names["s"])
            lines.extend("        " + line for line in text.split("|"))
    return "\n".join(lines) + "\n"


ORIGINAL = {"v": "value", "w": "item", "a": "items", "f": "convert", "p": "arg", "n": "1", "s": "'x'"}
RENAMED = {"v": "result", "w": "entry", "a": "entries", "f": "transform", "p": "param", "n": "42",
           "s": "'other message'"}


def shape_of(source: str):  # type: ignore[no-untyped-def]
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    return class_shape(node)


@given(class_spec)
def test_renaming_identifiers_and_literals_keeps_a_copy_identical(spec) -> None:
    original = shape_of(render(spec, ORIGINAL))
    copy = shape_of(render(spec, RENAMED, class_name="CopiedAndRenamed"))
    assert similarity(original, copy) == 1.0 >= THRESHOLD


@given(class_spec, st.randoms(use_true_random=False))
def test_reordering_methods_keeps_a_copy_identical(spec, rnd) -> None:
    order = list(range(len(spec)))
    rnd.shuffle(order)
    assert similarity(shape_of(render(spec, ORIGINAL)), shape_of(render(spec, ORIGINAL, order=order))) == 1.0


@given(class_spec, st.randoms(use_true_random=False))
def test_renaming_every_method_too_changes_one_feature(spec, rnd) -> None:
    """Method names are one feature of the fingerprint: a copy that renames all of its
    methods (and reorders them) differs from the original by that feature only."""
    order = list(range(len(spec)))
    rnd.shuffle(order)
    original = shape_of(render(spec, ORIGINAL))
    copy = shape_of(render(spec, RENAMED, method_names=[f"renamed_{k}" for k in range(len(spec))], order=order))
    assert len(set(original) ^ set(copy)) == 2
    features = len(original)
    assert similarity(original, copy) == (features - 1) / (features + 1)


def random_class(rng: random.Random, name: str) -> str:
    """An arbitrary class: 3-7 methods of 2-8 random statements each."""
    spec = [(rng.randint(0, 3), [rng.randrange(len(TEMPLATES)) for _ in range(rng.randint(2, 8))])
            for _ in range(rng.randint(MIN_METHODS, 7))]
    return render(spec, ORIGINAL, class_name=name, method_names=[f"m{rng.randrange(10**6)}" for _ in spec])


@settings(max_examples=300)
@given(st.integers(0, 2**32), st.integers(0, 2**32))
def test_unrelated_classes_stay_below_the_threshold(seed_a, seed_b) -> None:
    if seed_a == seed_b:
        return
    a = shape_of(random_class(random.Random(seed_a), "A"))
    b = shape_of(random_class(random.Random(seed_b), "B"))
    assert similarity(a, b) < THRESHOLD


# -- the candidate search ------------------------------------------------------------------

feature_sets = st.lists(st.frozensets(st.integers(-(2**63), 2**63), min_size=0, max_size=40), max_size=25)


@given(feature_sets, st.sampled_from([0.5, 0.7, 0.85, 1.0]))
def test_the_candidate_search_reports_only_true_pairs_with_exact_values(sets, threshold) -> None:
    shapes = [tuple(sorted(s)) for s in sets]
    for i, j, value in similar_pairs(shapes, threshold):
        assert i < j and value == similarity(shapes[i], shapes[j]) >= threshold


@given(feature_sets)
def test_the_candidate_search_finds_copies_and_near_copies(sets) -> None:
    """Every exact copy, and (with a fixed seed, so deterministically) near copies that
    differ by one feature out of 40 or more."""
    shapes = [tuple(sorted(s)) for s in sets if s]
    half = len(shapes)
    near = [tuple(sorted(set(s) | {2**62 + k})) for k, s in enumerate(shapes) if len(s) >= 40]
    found = {(i, j) for i, j, _ in similar_pairs(shapes + shapes + near, THRESHOLD)}
    assert all((k, k + half) in found for k in range(half))
    for k, s in enumerate(s for s in shapes if len(s) >= 40):
        assert (shapes.index(s), 2 * half + k) in found or any(
            (i, 2 * half + k) in found for i, t in enumerate(shapes + shapes) if t == s)


def test_the_candidate_search_finds_near_copies_at_the_threshold() -> None:
    """Recall at the default threshold over 2,000 random pairs at exactly 0.85-0.9."""
    rng = random.Random(4)
    shapes: list[tuple[int, ...]] = []
    for _ in range(2_000):
        base = [rng.getrandbits(63) for _ in range(rng.randint(17, 60))]
        drop = rng.randint(1, max(1, len(base) * 3 // 40))
        shapes.append(tuple(sorted(base)))
        shapes.append(tuple(sorted(base[drop:] + [rng.getrandbits(63) for _ in range(drop)])))
    expected = {(k, k + 1) for k in range(0, len(shapes), 2)
                if similarity(shapes[k], shapes[k + 1]) >= THRESHOLD}
    found = {(i, j) for i, j, _ in similar_pairs(shapes, THRESHOLD)}
    assert len(expected) > 1_000
    assert len(expected & found) / len(expected) >= 0.99


# -- the rule ------------------------------------------------------------------------------

def _findings(files, config="", base=None):  # type: ignore[no-untyped-def]
    report = analyze_sources(files, config, base=base)
    return [f for f in report.findings if f.code == "SSOT008"]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_a_renamed_reordered_copy_in_another_package_is_one_cluster(seed, rnd) -> None:
    rng = random.Random(seed)
    spec = [(rng.randint(0, 3), [rng.randrange(len(TEMPLATES)) for _ in range(rng.randint(1, 6))])
            for _ in range(rng.randint(MIN_METHODS, 6))]
    order = list(range(len(spec)))
    rnd.shuffle(order)
    files = {"app/__init__.py": "", "app/core.py": render(spec, ORIGINAL, class_name="Manager"),
             "lib/__init__.py": "", "lib/copy.py": "import os\n\n\n" + render(
                 spec, RENAMED, class_name="Registry", order=order)}
    found = _findings(files)
    assert [(f.path, f.line, f.symbol) for f in found] == [("app/core.py", 1, "app.core.Manager ~ lib.copy.Registry")]
    assert [(r.path, r.line) for r in found[0].related] == [("lib/copy.py", 4)]


def test_identity_does_not_depend_on_lines() -> None:
    spec = [(1, [0, 2, 4]), (0, [5]), (2, [6, 8, 9])]
    a, b = render(spec, ORIGINAL, class_name="A"), render(spec, RENAMED, class_name="B")
    before = _findings({"m.py": a, "n.py": b})
    after = _findings({"m.py": "import os\n\n\nX = 1\n" + a, "n.py": "\n\n" + b})
    assert [f.key for f in before] == [f.key for f in after] and len(before) == 1
    assert before[0].line != after[0].line


def test_with_a_base_the_changed_class_names_its_closest_copy() -> None:
    spec = [(1, [0, 2, 4]), (0, [5, 13]), (2, [6, 8, 9])]
    close = render(spec, RENAMED, class_name="Close")
    farther = render([*spec[:2], (2, [6, 8, 9, 10, 11])], RENAMED, class_name="Farther")
    base = {"old.py": close, "older.py": farther}
    head = {**base, "new.py": render(spec, ORIGINAL, class_name="New")}
    found = _findings(head, base=base)
    assert [(f.path, f.symbol, f.new) for f in found] == [("new.py", "new.New ~ old.Close", True)]
    assert [(r.path, r.line) for r in found[0].related] == [("old.py", 1)]


def test_three_copies_are_one_cluster_with_two_related_locations() -> None:
    spec = [(1, [0, 2, 4]), (0, [5, 13]), (2, [6, 8, 9])]
    files = {f"m{k}.py": render(spec, ORIGINAL, class_name=f"C{k}") for k in range(3)}
    found = _findings(files)
    assert len(found) == 1 and found[0].path == "m0.py"
    assert found[0].symbol == "m0.C0 ~ m1.C1 ~ m2.C2"
    assert [r.path for r in found[0].related] == ["m1.py", "m2.py"]
    assert "3 classes are near copies of each other (all of their structure" in found[0].message


def test_alternative_definitions_of_one_name_are_not_copies() -> None:
    spec = [(1, [0, 2, 4]), (0, [5, 13]), (2, [6, 8, 9])]
    body = render(spec, ORIGINAL, class_name="Impl")
    source = "try:\n    import fast\nexcept ImportError:\n    pass\n\nif fast:\n" + "".join(
        "    " + line + "\n" for line in body.splitlines()) + "else:\n" + "".join(
        "    " + line + "\n" for line in body.splitlines())
    assert _findings({"m.py": source}) == []


def test_the_threshold_is_configurable() -> None:
    spec = [(1, [0, 2, 4]), (0, [5, 13]), (2, [6, 8, 9])]
    drifted = [(1, [0, 2, 4]), (0, [5, 13, 12, 11]), (2, [6, 8, 9])]
    files = {"a.py": render(spec, ORIGINAL, class_name="A"), "b.py": render(drifted, ORIGINAL, class_name="B")}
    value = similarity(shape_of(files["a.py"]), shape_of(files["b.py"]))
    assert value < THRESHOLD
    assert _findings(files) == []
    assert len(_findings(files, f"[duplicates]\nthreshold = {math.floor(value * 1000) / 1000}\n")) == 1
