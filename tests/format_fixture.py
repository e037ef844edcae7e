"""A pull request that touches every kind of finding: shared by the format tests."""

from __future__ import annotations

CONFIG = """
[[concept]]
name = "Manager"
canonical = "app.core.UnifiedManager"
aliases = ["app.compat.Manager"]
preferred = "app.compat.Manager"
"""
BASE = {
    "app/__init__.py": "",
    "app/core.py": "class UnifiedManager:\n    pass\n",
    "app/compat.py": "from .core import UnifiedManager as Manager\n",
    "app/old.py": "class Manager:\n    pass\n",
    "app/broken.py": "def f(:\n",
}
#: new: SSOT002 (with a chain) and SSOT003 for app/legacy.py, SSOT007 in app/user.py;
#: unchanged: SSOT003 for app/old.py; fixed: SSOT009 for app/broken.py
HEAD = {
    **BASE,
    "app/compat.py": "from .legacy import Manager\n",
    "app/legacy.py": "\nclass Manager:\n    pass\n",
    "app/user.py": "from app.core import UnifiedManager\n",
    "app/broken.py": "x = 1\n",
}
