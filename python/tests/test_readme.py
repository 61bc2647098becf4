"""The READMEs' Python examples, run as doctests in a fresh folder: every
```python block of python/README.md (the module's guide) and of the root
README.md (its short "From Python" section, which links the module's guide)."""

import doctest
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent.parent
SECTION = HERE / "README.md"
ROOT = HERE.parent / "README.md"


def run_examples(path):
    # The ```python blocks, each ended by a blank line (the end of its
    # last example's expected output).
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.DOTALL)
    text = "\n".join(blocks)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert result.failed == 0, f"{result.failed} of {path}'s examples failed (see above)"
    return test


def test_the_examples_run_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test = run_examples(SECTION)
    assert len(test.examples) >= 15


def test_the_root_readme_s_examples_run_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test = run_examples(ROOT)
    assert len(test.examples) >= 3


def test_the_root_readme_links_the_module_s_guide():
    text = ROOT.read_text()
    assert "](python/README.md)" in text, "README.md does not link python/README.md"
    assert text.count("## From Python") == 1
