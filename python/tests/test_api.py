"""The module's surface: the stubs say what the functions take, every
function has a docstring that reads like the man page, and the errors'
classes are arranged as the SPEC says."""

import ast
import inspect
import pathlib

import mpatch

STUBS = pathlib.Path(mpatch.__file__).with_name("__init__.pyi")
FUNCTIONS = ["count", "find", "finditer", "replace", "peek", "poke", "undo", "diff", "apply"]


def stub_functions():
    """Each function of the stubs: its definitions (several when overloaded)."""
    tree = ast.parse(STUBS.read_text())
    functions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions.setdefault(node.name, []).append(node)
    return functions


def test_the_stubs_and_py_typed_are_installed():
    assert STUBS.exists()
    assert STUBS.with_name("py.typed").exists()


def test_every_function_has_a_stub_with_its_parameters_and_defaults():
    stubs = stub_functions()
    assert sorted(stubs) == sorted(FUNCTIONS)
    for name in FUNCTIONS:
        runtime = inspect.signature(getattr(mpatch, name))
        runtime_defaults = [
            p.default for p in runtime.parameters.values() if p.kind == p.KEYWORD_ONLY
        ]
        given = [False] * len(runtime_defaults)
        for overload in stubs[name]:
            stub = overload.args
            positional = [a.arg for a in stub.posonlyargs + stub.args]
            keyword = [a.arg for a in stub.kwonlyargs]
            assert positional == [
                p.name for p in runtime.parameters.values() if p.kind != p.KEYWORD_ONLY
            ], name
            assert keyword == [
                p.name for p in runtime.parameters.values() if p.kind == p.KEYWORD_ONLY
            ], name
            # An overload may require a keyword (to type a call by its
            # value: find(recursive=True)); a default it gives is the
            # function's, and some overload gives each.
            for at, default in enumerate(stub.kw_defaults):
                if default is not None:
                    assert ast.literal_eval(default) == runtime_defaults[at], (name, keyword[at])
                    given[at] = True
        assert given == [d is not inspect.Parameter.empty for d in runtime_defaults], name


def test_every_function_has_a_docstring_naming_its_keywords():
    for name in FUNCTIONS:
        function = getattr(mpatch, name)
        doc = inspect.getdoc(function)
        assert doc and len(doc.splitlines()) >= 8, name
        for parameter in inspect.signature(function).parameters.values():
            if parameter.kind == parameter.KEYWORD_ONLY:
                assert parameter.name in doc, (name, parameter.name)
    for name in ["Finder", "DiffResult", "ApplyResult"]:
        assert name in mpatch.__all__ and inspect.getdoc(getattr(mpatch, name)), name


def test_the_errors_are_arranged_as_the_spec_says():
    assert issubclass(mpatch.Error, Exception)
    for name in ["LengthError", "ExpectError", "ChangedError", "JournalError"]:
        assert issubclass(getattr(mpatch, name), mpatch.Error), name
    assert issubclass(mpatch.LengthError, ValueError)
    assert issubclass(mpatch.LengthError, IndexError)
    error = mpatch.Error("a.log: reason", "a.log")
    assert (str(error), error.filename) == ("a.log: reason", "a.log")
