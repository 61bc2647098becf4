"""The stubs and the module agree on what there is: mypy and stubtest read
__init__.pyi, never the module, so its __all__ must be the module's (for
`from mpatch import *`), every public name of the module must be in it,
and it must name nothing the module lacks."""

import ast
import inspect
import pathlib

import mpatch

STUBS = pathlib.Path(mpatch.__file__).with_name("__init__.pyi")


def stub_tree():
    return ast.parse(STUBS.read_text())


def stub_all(tree):
    """The value the stubs give __all__, or None when they give it none (a
    bare `__all__: List[str]` tells a type checker nothing)."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                return ast.literal_eval(node.value)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.target.id == "__all__":
                return None if node.value is None else ast.literal_eval(node.value)
    return None


def stub_names(tree):
    """The public names the stubs define: functions, classes, variables and
    re-exported imports (`from m import X as X`; a plain import is private
    in a stub)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names if alias.asname == alias.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def runtime_names():
    """The module's public names (its submodules aside)."""
    return {
        name
        for name in dir(mpatch)
        if not name.startswith("_") and not inspect.ismodule(getattr(mpatch, name))
    }


def test_the_stubs_all_is_the_modules():
    assert stub_all(stub_tree()) == mpatch.__all__


def test_the_modules_all_names_every_public_name():
    assert sorted(mpatch.__all__) == sorted(runtime_names())


def test_every_public_name_of_the_module_is_in_the_stubs():
    functions = {
        name for name in runtime_names() if inspect.isroutine(getattr(mpatch, name))
    }
    assert functions, "the module has no public function?"
    defined = {node.name for node in stub_tree().body if isinstance(node, ast.FunctionDef)}
    assert sorted(functions - defined) == []
    assert sorted(runtime_names() - stub_names(stub_tree())) == []


def test_the_stubs_name_nothing_the_module_lacks():
    assert sorted(stub_names(stub_tree()) - runtime_names()) == []


def test_the_checks_see_stubs_that_disagree():
    # The stubs as they were: __all__ declared without its value, a public
    # alias the module lacks, an error imported but not re-exported.
    tree = ast.parse(
        "from typing import List\n"
        "from ._errors import Error as Error, LengthError\n"
        "StrPath = str\n"
        "__all__: List[str]\n"
        "def count() -> int: ...\n"
        "class Finder: ...\n"
    )
    assert stub_all(tree) is None
    assert stub_names(tree) == {"Error", "StrPath", "count", "Finder"}
    assert stub_all(ast.parse("__all__ = ['count']\n")) == ["count"]
    assert stub_all(ast.parse("__all__: list = ['count']\n")) == ["count"]
