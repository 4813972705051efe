"""derivcheck: check hand-derived backpropagation formulas against the truth.

From Python, ``derivcheck.check(path_or_text)`` and ``derivcheck.grade(key, submissions)`` return the
results (see ``api``); in IPython, ``%load_ext derivcheck`` adds the cell magic ``%%derivcheck``. Nothing
heavy is imported until one of them is used.

Modules import only those before them in this order:
errors → limits → source → syntax → expressions → functions → spec → grading (reading a
file) → graph → network → indexing → matrices → semantics (the model) →
numeric → proof → results → printing → gradients → diagnose → verify → runner
(checking) → files → report → export → gradebook → document (rendering) → api → watch → pytest_plugin →
templates → cli.
"""

__version__ = "0.1.0"
__all__ = ["check", "grade", "load_ipython_extension"]


def __getattr__(name: str):
    if name in ("check", "grade"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'derivcheck' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """``%load_ext derivcheck``: the cell magic ``%%derivcheck [NAME]`` checks the cell as a derivation file
    (a note when NAME ends in .md or .tex) and shows the results."""

    def derivcheck(line: str, cell: str):
        from .api import TEXT_NAME, check

        return check(cell if "\n" in cell else cell + "\n", name=line.strip() or TEXT_NAME)

    ipython.register_magic_function(derivcheck, magic_kind="cell", magic_name="derivcheck")
