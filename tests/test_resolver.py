"""Hand-written resolver cases: what ``pkg.mod.Name`` names, statically, and why."""

from __future__ import annotations

from rules.index import Index
from rules.resolver import Resolution, Resolver
from rules.summary import summarize


def resolver(files: dict[str, str], roots: tuple[str, ...] = (".",)) -> Resolver:
    return Resolver(Index({path: summarize(source.encode()) for path, source in files.items()}, roots=roots))


def defs(res: Resolution) -> set[tuple[str, str, str]]:
    return {(d.module, d.qualname, d.kind) for d in res.definitions}


# -- chains ------------------------------------------------------------------------------


def test_a_chain_of_re_exports_ends_at_the_class_and_shows_every_hop() -> None:
    r = resolver({
        "app/__init__.py": "from .compat import Manager\n",
        "app/compat.py": "from app.legacy import OldManager as Manager\n",
        "app/legacy.py": "import app.core as core\nOldManager = core.Manager\n",
        "app/core.py": "class Manager:\n    pass\n",
    })
    res = r.resolve("app.Manager")
    assert res.status == "resolved"
    assert defs(res) == {("app.core", "Manager", "class")}
    assert res.definition is not None and res.definition.line == 1
    assert res.chain[0] == "app.Manager"
    assert "app.compat.Manager" in res.chain and "app.legacy.OldManager" in res.chain
    assert res.chain[-1] == "app.core.Manager (class, line 1)"


def test_x_equals_x_after_an_import_keeps_the_imported_class() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "class X:\n    pass\n",
        "p/b.py": "from .a import X\nX = X\nY = X\n",
    })
    assert defs(r.resolve("p.b.X")) == {("p.a", "X", "class")}
    assert defs(r.resolve("p.b.Y")) == {("p.a", "X", "class")}


def test_a_later_binding_replaces_an_earlier_one() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "class X:\n    pass\n",
        "p/b.py": "class X:\n    pass\nfrom .a import X\n",
    })
    assert defs(r.resolve("p.b.X")) == {("p.a", "X", "class")}


# -- relative imports and packages -------------------------------------------------------


def test_relative_import_beyond_the_top_level_package_is_unresolved() -> None:
    r = resolver({
        "p/__init__.py": "from .. import X\n",
        "p/m.py": "from ...q import Y\n",
        "top.py": "from . import Z\n",
    })
    for name in ("p.X", "p.m.Y", "top.Z"):
        res = r.resolve(name)
        assert res.status == "unresolved", name
        assert "beyond the top-level package" in res.reason, name


def test_relative_imports_climb_packages() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/base.py": "class Base:\n    pass\n",
        "p/sub/__init__.py": "from ..base import Base\n",
        "p/sub/deep/__init__.py": "",
        "p/sub/deep/m.py": "from ... import base\nfrom .. import Base as B\nC = base.Base\n",
    })
    assert defs(r.resolve("p.sub.deep.m.B")) == {("p.base", "Base", "class")}
    assert defs(r.resolve("p.sub.deep.m.C")) == {("p.base", "Base", "class")}


def test_namespace_packages_resolve_without_init_files() -> None:
    r = resolver({
        "src/ns/pkg/impl.py": "class Impl:\n    pass\n",
        "src/ns/pkg/api.py": "from .impl import Impl as Api\n",
        "src/ns/other.py": "from ns.pkg import api\nApi = api.Api\n",
    }, roots=("src",))
    assert defs(r.resolve("ns.pkg.api.Api")) == {("ns.pkg.impl", "Impl", "class")}
    assert defs(r.resolve("ns.other.Api")) == {("ns.pkg.impl", "Impl", "class")}
    ns = r.resolve("ns.pkg")
    assert ns.status == "resolved" and ns.definition is not None and ns.definition.kind == "module"


def test_del_unbinds_what_a_star_import_gave_and_every_name_of_a_tuple() -> None:
    # regression: `from .impl import *` then `del Helper` kept impl's Helper, and
    # `del (A, B)` / `del [C]` deleted nothing
    r = resolver({
        "app/__init__.py": "from .impl import *\ndel Helper\nclass A:\n    pass\nclass B:\n    pass\n"
                           "del (A, B)\nfrom .impl import Other\ndel [Other]\n",
        "app/impl.py": "class Helper:\n    pass\nclass Other:\n    pass\nclass Kept:\n    pass\n",
        "app/user.py": "from app import *\n",
    })
    res = r.resolve("app.Helper")
    assert res.status == "unresolved" and res.reason == "`del Helper` (line 2) deletes it in `app`"
    for name in ("app.A", "app.B", "app.Other", "app.user.Helper"):
        assert r.resolve(name).status == "unresolved", name
    assert defs(r.resolve("app.user.Kept")) == {("app.impl", "Kept", "class")}
    # what `del` names inside a target (`x[k]`, `a.b`) is read, not deleted; a deleted
    # submodule's name falls back to the submodule, as the import system does
    r = resolver({
        "pkg/__init__.py": "import sys\nfrom .models import Model\nREG = {Model: 1}\ndel REG[Model]\n"
                           "del sys.modules['x']\nfrom . import sub\ndel sub\n",
        "pkg/models.py": "class Model:\n    pass\n",
        "pkg/sub.py": "class S:\n    pass\n",
        "user.py": "import pkg.sub as s\nT = s.S\nfrom pkg import sub\nU = sub.S\n",
    })
    assert defs(r.resolve("pkg.Model")) == {("pkg.models", "Model", "class")}
    for name in ("user.T", "user.U"):
        assert defs(r.resolve(name)) == {("pkg.sub", "S", "class")}, name


def test_a_name_a_module_getattr_may_make_is_not_said_to_be_missing() -> None:
    r = resolver({
        "app/__init__.py": "def __getattr__(name):\n    from .impl import Lazy\n    return Lazy\n",
        "app/impl.py": "class Lazy:\n    pass\n",
        "app/plain.py": "",
    })
    res = r.resolve("app.Lazy")
    assert res.status == "unresolved" and "defines `__getattr__`" in res.reason
    assert r.resolve("app.plain.Lazy").reason == "module `app.plain` has no name `Lazy`"


def test_a_module_beside_a_directory_without_init_hides_the_directory() -> None:
    # `app/utils.py` and `app/utils/helpers.py`: Python imports the module, which is no
    # package, so `app.utils.helpers` cannot be imported (it resolved before)
    r = resolver({
        "app/__init__.py": "",
        "app/utils.py": "class U:\n    pass\n",
        "app/utils/helpers.py": "class H:\n    pass\n",
        "app/user.py": "from app.utils.helpers import H\n",
    })
    assert defs(r.resolve("app.utils.U")) == {("app.utils", "U", "class")}
    for name in ("app.user.H", "app.utils.helpers.H"):
        res = r.resolve(name)
        assert res.status == "unresolved"
        assert "Python imports the module `app/utils.py`, which is not a package" in res.reason


def test_a_package_beats_a_module_of_the_same_name_and_the_first_root_beats_later_ones() -> None:
    # regression: the first path in sorted order won: `mod.py` sorts before `mod/__init__.py`,
    # and `app/x.py` (root ".") before `src/app/x.py` (root "src", listed first)
    r = resolver({
        "p1/__init__.py": "",
        "p1/mod.py": "class FromFile:\n    pass\n",
        "p1/mod/__init__.py": "class FromPackage:\n    pass\n",
        "src/app/__init__.py": "",
        "src/app/x.py": "class FromSrc:\n    pass\n",
        "app/__init__.py": "",
        "app/x.py": "class FromDot:\n    pass\n",
        "src/ns/inner.py": "",
        "ns.py": "class Module:\n    pass\n",
    }, roots=("src", "."))
    modules = r.index.modules
    assert (modules["p1.mod"].path, modules["p1.mod"].is_package) == ("p1/mod/__init__.py", True)
    assert modules["app.x"].path == "src/app/x.py"
    # a namespace package (src/ns) in an earlier root does not hide a module in a later one
    assert modules["ns"].path == "ns.py"
    assert defs(r.resolve("p1.mod.FromPackage")) == {("p1.mod", "FromPackage", "class")}
    assert r.resolve("p1.mod.FromFile").status == "unresolved"


def test_a_submodule_name_its_package_rebinds_names_the_packages_value() -> None:
    # regression: the longest module prefix won, so `pkg.main` and `import pkg.main as m`
    # were the submodule even though pkg/__init__.py rebinds `main` (as `unittest.main`)
    r = resolver({
        "pkg/__init__.py": "from .main import main\n",
        "pkg/main.py": "class TestProgram:\n    pass\n\nmain = TestProgram\n",
        "pkg/other.py": "class O:\n    pass\n",
        "user.py": "import pkg.main as m\nfrom pkg import main as m2\nimport pkg\nm3 = pkg.main\n"
                   "import pkg.other as o\n",
    })
    for name in ("pkg.main", "user.m", "user.m2", "user.m3"):
        assert defs(r.resolve(name)) == {("pkg.main", "TestProgram", "class")}, name
    # a longer name still goes through the module, as `from pkg.main import TestProgram` does
    assert defs(r.resolve("pkg.main.TestProgram")) == {("pkg.main", "TestProgram", "class")}
    assert r.resolve("pkg.main.main").status == "resolved"
    # nothing rebinds `other`: the submodule, with the chain it always had
    assert r.resolve("pkg.other").chain == ("pkg.other (module, pkg/other.py)",)
    assert r.resolve("user.o").chain == ("user.o", "pkg.other (module, pkg/other.py)")


def test_a_submodule_name_its_package_binds_without_importing_it_is_the_submodule_once_imported() -> None:
    # `import pkg.codec` loads the submodule after pkg/__init__.py ran and binds it in the
    # package over `codec`; `from pkg import codec` alone finds the package's value
    r = resolver({
        "pkg/__init__.py": "from json import loads as codec\n",
        "pkg/codec.py": "class Codec:\n    pass\n",
        "user.py": "import pkg.codec as c\nfrom pkg import codec as c2\n",
    })
    for name in ("pkg.codec", "user.c"):
        assert defs(r.resolve(name)) == {("pkg.codec", "", "module")}, name
    assert r.resolve("user.c2").reason == "json.loads"


def test_a_submodule_name_its_package_binds_on_some_paths_only_may_be_the_submodule() -> None:
    # on the other paths `from pkg import main` finds no attribute and imports the submodule
    r = resolver({
        "pkg/__init__.py": "if FLAG:\n    from .main import main\n",
        "pkg/main.py": "class TestProgram:\n    pass\n\nmain = TestProgram\n",
        "user.py": "import pkg.main as m\nfrom pkg import main as m2\n",
    })
    for name in ("pkg.main", "user.m", "user.m2"):
        res = r.resolve(name)
        assert res.status == "ambiguous", name
        assert defs(res) == {("pkg.main", "TestProgram", "class"), ("pkg.main", "", "module")}, name


# -- star imports ------------------------------------------------------------------------


def test_star_import_honours_all_and_skips_private_names() -> None:
    r = resolver({
        "p/__init__.py": "from .listed import *\nfrom .open import *\n",
        "p/listed.py": "__all__ = ['A']\nclass A:\n    pass\nclass B:\n    pass\n",
        "p/open.py": "class C:\n    pass\nclass _D:\n    pass\n",
    })
    assert defs(r.resolve("p.A")) == {("p.listed", "A", "class")}
    assert defs(r.resolve("p.C")) == {("p.open", "C", "class")}
    assert r.resolve("p.B").status == "unresolved"
    assert r.resolve("p._D").status == "unresolved"


def test_an_all_that_adds_another_modules_all_is_read_through_it() -> None:
    # regression: `__all__.extend(_models.__all__)` (or `+`, or `__all__ = __all__ + [...]`)
    # made `__all__` unknown, read as "no __all__": the star import then exported every
    # public name and hid the package's own `Widget`
    base = {"app/base.py": "class Widget:\n    pass\n",
            "app/_models.py": "__all__ = ['Model']\nclass Model:\n    pass\n"}
    for listing in ("__all__ = ['Client']\n__all__.extend(_models.__all__)\n",
                    "__all__ = ['Client']\n__all__ += _models.__all__\n",
                    "__all__ = ['Client'] + _models.__all__\n",
                    "__all__ = ['Client']\n__all__ = __all__ + _models.__all__\n"):
        r = resolver({**base,
                      "app/__init__.py": "from .base import Widget\nfrom .api import *\n",
                      "app/api.py": "from . import _models\nfrom ._models import *\n" + listing
                                    + "class Client:\n    pass\nclass Widget:\n    pass\n"})
        assert defs(r.resolve("app.Widget")) == {("app.base", "Widget", "class")}, listing
        assert defs(r.resolve("app.Client")) == {("app.api", "Client", "class")}, listing
        assert defs(r.resolve("app.Model")) == {("app._models", "Model", "class")}, listing


def test_an_all_added_from_a_name_the_source_rebinds_is_not_read_as_the_submodules() -> None:
    # regression (review): `from .sub import models` was read as the module `app.sub.models`,
    # though `app.sub` binds `models` to a class: its `__all__` lists B, the module's did not
    r = resolver({
        "app/__init__.py": "from .sub import models\n__all__ = []\n__all__ += models.__all__\n",
        "app/sub/__init__.py": "from .other import models\n",
        "app/sub/other.py": "class models:\n    __all__ = ['C']\n",
        "app/sub/models.py": "__all__ = ['B']\nclass B:\n    pass\n",
        "u.py": "class B:\n    pass\nfrom app import *\n",
    })
    assert defs(r.resolve("u.B")) == {("u", "B", "class")}


def test_an_all_added_from_a_submodule_is_answered_once_and_kept() -> None:
    # the package's own `from . import _models` is read directly: resolving it through the
    # package looped back through the star import being answered, so nothing was cached
    r = resolver({
        "pkg/__init__.py": "from . import _models\nfrom ._models import *\n__all__ = ['Client']\n"
                           "__all__ += _models.__all__\nClient = 1\n",
        "pkg/_models.py": "__all__ = ['M']\nclass M:\n    pass\n",
    })
    assert r._exports_star("pkg", "M", frozenset()) == "yes"
    assert r._exports_star("pkg", "Z", frozenset()) == "no"
    assert ("pkg", "Z") in r._provides_cache


def test_an_all_that_cannot_be_read_lists_what_a_module_without_one_exports() -> None:
    # `__all__ = [n for n in dir() if ...]`: taken to list the public names the module binds
    r = resolver({
        "app/__init__.py": "from .base import Widget\nfrom .api import *\n",
        "app/base.py": "class Widget:\n    pass\n",
        "app/api.py": "class Client:\n    pass\nclass Widget:\n    pass\nclass _Private:\n    pass\n"
                      "__all__ = ['Client'] + [n for n in dir() if not n.startswith('_')]\n",
    })
    assert defs(r.resolve("app.Client")) == {("app.api", "Client", "class")}
    assert defs(r.resolve("app.Widget")) == {("app.api", "Widget", "class")}
    assert r.resolve("app._Private").status == "unresolved" and r.resolve("app.Missing").status == "unresolved"


def test_alls_that_add_each_other_answer_the_same_in_any_order() -> None:
    # regression: an answer found inside the cycle was cached, so the first name asked
    # decided what a later one resolved to
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from . import x\n__all__ = ['A'] + sorted(_extra)\nfrom .x import *\nclass A:\n    pass\n",
        "pkg/x.py": "from . import a\n__all__ = ['X'] + a.__all__\nclass X:\n    pass\n",
        "u1.py": "class Y:\n    pass\nfrom pkg.x import *\n",
        "u2.py": "class Y:\n    pass\nfrom pkg.a import *\n",
    }
    first = resolver(files)
    answers = {name: defs(first.resolve(name)) for name in ("u1.Y", "u2.Y")}
    second = resolver(files)
    assert {name: defs(second.resolve(name)) for name in ("u2.Y", "u1.Y")} == answers


def test_an_all_set_in_alternatives_lists_the_names_of_each() -> None:
    # regression: the last `__all__` in the file won, whatever branch it stood in
    r = resolver({
        "app/__init__.py": "from .api import *\n",
        "app/api.py": "if NEW:\n    __all__ = ['A', 'B']\nelse:\n    __all__ = ['A']\n"
                      "if EXTRA:\n    __all__ += ['C']\n__all__.remove('A')\n"
                      "class A:\n    pass\nclass B:\n    pass\nclass C:\n    pass\n",
    })
    assert defs(r.resolve("app.B")) == {("app.api", "B", "class")}
    assert defs(r.resolve("app.C")) == {("app.api", "C", "class")}
    assert r.resolve("app.A").status == "unresolved"


def test_star_import_of_a_module_outside_the_repository_provides_the_names_nothing_else_binds() -> None:
    # regression: `from json import *` bound nothing, so `JSONDecoder` was "no name" here
    # and the fallback's class alone (for `decimal`: _pydecimal, where Python uses _decimal)
    r = resolver({
        "pkg/__init__.py": "",
        "pkg/shim.py": "from json import *\n",
        "a.py": "from json import *\n",
        "b.py": "from a import *\n",
        "fallback.py": "class JSONDecoder:\n    pass\n",
        "mod.py": "try:\n    from json import *\nexcept ImportError:\n    from fallback import *\nD = JSONDecoder\n",
    })
    for name in ("pkg.shim.JSONDecoder", "b.JSONDecoder"):
        res = r.resolve(name)
        assert (res.status, res.reason) == ("external", "json.JSONDecoder"), name
    for name in ("mod.JSONDecoder", "mod.D"):
        res = r.resolve(name)
        assert res.status == "ambiguous", name
        assert {t.reason for t in res.candidates if t.status == "external"} == {"json.JSONDecoder"}, name
        assert defs(res) == {("fallback", "JSONDecoder", "class")}, name
    # without `__all__`, no star import binds a private name
    assert r.resolve("pkg.shim._private").status == "unresolved"


def test_star_import_of_a_module_outside_the_repository_never_hides_what_the_repository_binds() -> None:
    # the resolver cannot know an outside module's names: it lets such a star import give a
    # name only where nothing in the repository bound it (were `Config` one of json's names,
    # Python would replace the class; the resolver keeps it)
    r = resolver({
        "p/__init__.py": "from json import *\n",
        "p/decoder.py": "class Mine:\n    pass\n",
        "p/config.py": "class Config:\n    pass\nfrom json import *\n",
        "p/later.py": "from json import *\nclass Config:\n    pass\n",
        "p/some.py": "if FLAG:\n    class Config:\n        pass\nfrom json import *\n",
        "a.py": "from json import *\n",
        "c.py": "class JSONDecoder:\n    pass\nfrom a import *\n",
        "user.py": "import p\nD = p.decoder.Mine\n",
        "missing.py": "from p.gone import *\n",
    })
    for name in ("p.config.Config", "p.later.Config"):
        assert r.resolve(name).status == "resolved", name
    some = r.resolve("p.some.Config")
    assert some.status == "ambiguous"
    assert defs(some) == {("p.some", "Config", "class")}
    assert {t.reason for t in some.candidates if t.status == "external"} == {"json.Config"}
    # nor through an in-repository module that took the name from outside
    assert defs(r.resolve("c.JSONDecoder")) == {("c", "JSONDecoder", "class")}
    assert r.resolve("c.JSONDecoder").status == "resolved"
    # a submodule of the package is not one of the outside module's names
    assert defs(r.resolve("user.D")) == {("p.decoder", "Mine", "class")}
    # a module of the repository that is not there binds nothing
    assert r.resolve("missing.X").status == "unresolved"


def test_star_import_from_a_package_without_all_gives_the_submodules_its_init_imports() -> None:
    # regression: importing p.sub binds `sub` in p's namespace, which `from p import *`
    # copies; it was "name `sub` is not defined"
    inits = {
        "from .sub import f\n": True,
        "from p.sub import f\n": True,
        "from .sub.deep import g\n": True,
        "from .sub import *\n": True,
        "import p.sub\n": True,
        "import p.sub as s\n": True,
        "from . import sub as s\n": True,
        "import p.other\n": False,
        "def later():\n    import p.sub\n": False,  # runs only when called
        "": False,
    }
    for init, exported in inits.items():
        r = resolver({
            "p/__init__.py": init,
            "p/sub/__init__.py": "class C:\n    pass\ndef f():\n    pass\n",
            "p/sub/deep.py": "def g():\n    pass\n",
            "p/other.py": "",
            "user.py": "from p import *\nC2 = sub.C\n",
        })
        assert (defs(r.resolve("user.C2")) == {("p.sub", "C", "class")}) is exported, init
        assert (r.resolve("user.sub").status == "resolved") is exported, init
    r = resolver({
        "p/__init__.py": "from ._impl import f\n",
        "p/_impl.py": "def f():\n    pass\n",
        "user.py": "from p import *\n",
    })
    assert r.resolve("user._impl").status == "unresolved"  # a private name is never copied
    assert r.resolve("user.f").status == "resolved"


def test_a_later_star_import_wins() -> None:
    r = resolver({
        "p/__init__.py": "from .a import *\nfrom .b import *\n",
        "p/a.py": "class X:\n    pass\n",
        "p/b.py": "class X:\n    pass\n",
    })
    assert defs(r.resolve("p.X")) == {("p.b", "X", "class")}


def test_name_bound_in_one_branch_after_a_star_import_may_still_come_from_the_star() -> None:
    # regression: the branch that does not bind the name used to drop the star's value
    r = resolver({
        "p/__init__.py": "",
        "p/base.py": "class X:\n    pass\n",
        "p/m.py": "from .base import *\nif FAST:\n    class X:\n        pass\n",
        "p/speed.py": "from .base import *\ntry:\n    from ._speedups import X\nexcept ImportError:\n    pass\n",
    })
    res = r.resolve("p.m.X")
    assert res.status == "ambiguous"
    assert defs(res) == {("p.base", "X", "class"), ("p.m", "X", "class")}
    speed = r.resolve("p.speed.X")
    assert defs(speed) == {("p.base", "X", "class")}
    assert {t.status for t in speed.candidates} == {"resolved", "unresolved"}  # ._speedups is not in the repo


def test_star_import_of_a_name_its_source_binds_on_some_paths_keeps_the_old_value() -> None:
    # regression: `from m import *` replaced X even when m may leave X unbound
    r = resolver({
        "p/__init__.py": "",
        "p/m.py": "if FLAG:\n    class X:\n        pass\n",
        "p/user.py": "class X:\n    pass\nfrom .m import *\n",
    })
    assert defs(r.resolve("p.user.X")) == {("p.m", "X", "class"), ("p.user", "X", "class")}


def test_star_imports_in_different_branches_are_alternatives() -> None:
    # regression: the star import of the last branch used to hide the other branch's
    r = resolver({
        "p/__init__.py": (
            "import sys\nif sys.platform == 'win32':\n    from .win import *\nelse:\n    from .posix import *\n"
        ),
        "p/win.py": "class Loop:\n    pass\n",
        "p/posix.py": "class Loop:\n    pass\n",
    })
    res = r.resolve("p.Loop")
    assert res.status == "ambiguous"
    assert defs(res) == {("p.win", "Loop", "class"), ("p.posix", "Loop", "class")}


def test_a_name_only_some_paths_bind_is_not_made_ambiguous_by_the_others() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "class X:\n    pass\n",
        "p/m.py": "try:\n    from .a import X\nexcept ImportError:\n    pass\n",
    })
    res = r.resolve("p.m.X")
    assert res.status == "resolved"
    assert defs(res) == {("p.a", "X", "class")}


# -- TYPE_CHECKING and alternatives ------------------------------------------------------


def test_type_checking_imports_are_not_runtime_bindings() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "class X:\n    pass\nclass Y:\n    pass\n",
        "p/m.py": (
            "from typing import TYPE_CHECKING\nimport typing\n"
            "if TYPE_CHECKING:\n    from .a import X\n"
            "if typing.TYPE_CHECKING:\n    from .a import Y\nelse:\n    class Y:\n        pass\n"
        ),
    })
    assert r.resolve("p.m.X").status == "unresolved"
    assert defs(r.resolve("p.m.Y")) == {("p.m", "Y", "class")}


def test_try_except_import_error_gives_both_alternatives() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/fast.py": "class Parser:\n    pass\n",
        "p/slow.py": "class Parser:\n    pass\n",
        "p/m.py": "try:\n    from .fast import Parser\nexcept ImportError:\n    from .slow import Parser\n",
    })
    res = r.resolve("p.m.Parser")
    assert res.status == "ambiguous"
    assert res.definition is None
    assert defs(res) == {("p.fast", "Parser", "class"), ("p.slow", "Parser", "class")}


def test_if_branches_give_ambiguous() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/m.py": (
            "import sys\nif sys.version_info >= (3, 12):\n    class X:\n        pass\n"
            "else:\n    class X:\n        pass\n"
        ),
    })
    res = r.resolve("p.m.X")
    assert res.status == "ambiguous"
    assert sorted(d.line for d in res.definitions) == [3, 6]


def test_conditional_expression_gives_both_sides() -> None:
    # regression: `X = A if cond else B` used to be an opaque value
    r = resolver({
        "p/__init__.py": "",
        "p/m.py": "class A:\n    pass\nclass B:\n    pass\nX = A if HAVE_A else B\nY = A if HAVE_A else None\n",
    })
    assert defs(r.resolve("p.m.X")) == {("p.m", "A", "class"), ("p.m", "B", "class")}
    assert defs(r.resolve("p.m.Y")) == {("p.m", "A", "class"), ("p.m", "Y", "value")}


# -- cycles ------------------------------------------------------------------------------


def test_an_import_cycle_is_unresolved_and_says_so() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "from .b import X\n",
        "p/b.py": "from .a import X\n",
    })
    res = r.resolve("p.a.X")
    assert res.status == "unresolved"
    assert "import cycle" in res.reason
    assert "p.a" in res.reason and "p.b" in res.reason


def test_a_self_referencing_assignment_ends() -> None:
    r = resolver({"p/__init__.py": "", "p/a.py": "from p.a import X\n", "p/b.py": "X = X\n"})
    assert "import cycle" in r.resolve("p.a.X").reason
    assert r.resolve("p.b.X").status == "unresolved"


def test_a_guarded_cycle_gives_the_alternatives_either_import_order_produces() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "try:\n    from .b import X\nexcept ImportError:\n    class X:\n        pass\n",
        "p/b.py": "try:\n    from .a import X\nexcept ImportError:\n    class X:\n        pass\n",
    })
    for name in ("p.a.X", "p.b.X"):
        res = r.resolve(name)
        assert res.status == "ambiguous"
        assert defs(res) == {("p.a", "X", "class"), ("p.b", "X", "class")}
        assert any("import cycle" in t.reason for t in res.candidates)


def test_a_package_importing_its_own_submodule_by_name_is_not_a_cycle() -> None:
    # regression: `from . import sub` in p/__init__.py made every `p.sub` lookup through
    # that binding an "import cycle: p → p"
    r = resolver({
        "p/__init__.py": "from . import sub\nfrom p import other\nX = sub.K\n",
        "p/sub.py": "class K:\n    pass\n",
        "p/other.py": "class O:\n    pass\n",
        "q.py": "from p import sub as s\nZ = s.K\nfrom p import other\nY = other.O\n",
    })
    assert defs(r.resolve("p.X")) == {("p.sub", "K", "class")}
    assert defs(r.resolve("q.Z")) == {("p.sub", "K", "class")}
    assert defs(r.resolve("q.Y")) == {("p.other", "O", "class")}
    assert r.resolve("q.s").definition is not None and r.resolve("q.s").definition.module == "p.sub"


def test_a_submodule_re_exported_back_into_its_package_is_the_submodule() -> None:
    # regression: p's `a1` came from m's star export, which was `from p import a1` itself:
    # a circular re-export of a submodule's name holds the submodule, not "import cycle"
    r = resolver({
        "p/__init__.py": "from .m import *\n",
        "p/m.py": "from p import a1\nA = a1.A\n",
        "p/a1.py": "class A:\n    pass\n",
    })
    assert defs(r.resolve("p.m.A")) == {("p.a1", "A", "class")}
    assert defs(r.resolve("p.A")) == {("p.a1", "A", "class")}
    assert r.resolve("p.a1").status == "resolved"


def test_a_class_star_imported_back_into_its_own_module_is_that_class() -> None:
    # regression: `class Field` then `from .models import *`, where models star-imports
    # fields: "import cycle", though Python finds the class in every import order
    r = resolver({
        "app/__init__.py": "from .models import *\nfrom .fields import *\n",
        "app/models.py": "from .fields import *\nclass Model:\n    pass\n",
        "app/fields.py": "class Field:\n    pass\nfrom .models import *\n",
    })
    for name in ("app.fields.Field", "app.models.Field", "app.Field"):
        assert defs(r.resolve(name)) == {("app.fields", "Field", "class")}, name
    assert defs(r.resolve("app.fields.Model")) == {("app.models", "Model", "class")}


def test_star_import_cycles_end_and_diamonds_stay_fast() -> None:
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "from .b import *\nclass X:\n    pass\n",
        "p/b.py": "from .a import *\n",
    })
    assert defs(r.resolve("p.b.X")) == {("p.a", "X", "class")}
    assert r.resolve("p.a.Missing").status == "unresolved"
    # each module star-imports every earlier one: every path through them is a diamond
    files = {"q/__init__.py": ""}
    for k in range(24):
        files[f"q/m{k}.py"] = "".join(f"from .m{j} import *\n" for j in range(k)) + f"class C{k}:\n    pass\n"
    r = resolver(files)
    steps = _counting(r)
    assert r.resolve("q.m23.Missing").status == "unresolved"
    assert defs(r.resolve("q.m23.C0")) == {("q.m0", "C0", "class")}
    assert steps() < 5_000  # every (module, name) answered once: not 2**23 paths


def test_a_star_import_in_one_branch_only_may_not_provide_the_name() -> None:
    # regression: `from m import *` counted m's conditional star imports as certain
    r = resolver({
        "p/__init__.py": "",
        "p/a.py": "class A:\n    pass\nclass B:\n    pass\n",
        "p/m.py": "if FLAG:\n    from .a import *\n",
        "p/user.py": "from .a import A as B\nfrom .m import *\n",
    })
    assert defs(r.resolve("p.user.B")) == {("p.a", "A", "class"), ("p.a", "B", "class")}


def test_star_imports_on_every_path_hide_an_earlier_conditional_one() -> None:
    # regression: with stars only flagged "conditional", `old` leaked past both branches
    r = resolver({
        "p/__init__.py": "",
        "p/old.py": "class X:\n    pass\n",
        "p/new.py": "class X:\n    pass\n",
        "p/new2.py": "class X:\n    pass\n",
        "p/m.py": (
            "if G:\n    from .old import *\n"
            "if F:\n    from .new import *\nelse:\n    from .new2 import *\n"
        ),
    })
    assert defs(r.resolve("p.m.X")) == {("p.new", "X", "class"), ("p.new2", "X", "class")}


def test_many_conditional_star_imports_stay_fast() -> None:
    lines = "".join(f"if F{k}:\n    from .a import *\nelse:\n    from .b import *\n" for k in range(40))
    r = resolver({"p/__init__.py": "", "p/a.py": "", "p/b.py": "", "p/m.py": lines + "Y = Missing\n"})
    steps = _counting(r)
    assert r.resolve("p.m.Missing").status == "unresolved"
    assert r.resolve("p.m.Y").status == "unresolved"
    assert steps() < 5_000  # not 2**40 combinations of branches
    # star imports of a module outside the repository: what each gives depends on all before it
    lines = "".join(f"if F{k}:\n    from json import *\nelse:\n    from .b import *\n" for k in range(40))
    r = resolver({"p/__init__.py": "", "p/b.py": "class X:\n    pass\n", "p/m.py": lines + "Y = X\n"})
    steps = _counting(r)
    assert r.resolve("p.m.Missing").status == "external"
    assert defs(r.resolve("p.m.Y")) == {("p.b", "X", "class")} and r.resolve("p.m.Y").status == "ambiguous"
    assert steps() < 5_000


def _counting(r):  # type: ignore[no-untyped-def]
    """How many star-export questions the resolver has asked (counted, not timed)."""
    calls = [0]
    for name in ("_star_exports", "_chain_binds", "_star_provides", "_exports_star", "_bound", "_chained", "_binding"):
        real = getattr(r, name)

        def counted(*args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            calls[0] += 1
            return _real(*args, **kwargs)

        setattr(r, name, counted)
    return lambda: calls[0]


def test_the_files_importing_a_name_come_from_one_table_of_the_headers() -> None:
    from rules.index import Index

    files = {"b.py": "from a import X\n", "a.py": "class X:\n    pass\n",
             "c.py": "def f():\n    from .a import Y as Z\n", "d.py": "import a\nX = a.X\n",
             "e.py": "from a import (W,\n    X)\n"}
    index = Index({path: summarize(source.encode()) for path, source in files.items()})
    assert index.importing(["X"]) == ["b.py", "e.py"]
    assert index.importing({"Y", "X", "nothing"}) == ["b.py", "c.py", "e.py"]
    assert index.importing([]) == []
