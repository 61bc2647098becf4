"""The README's Python examples, run as doctests in a fresh folder, and the
root README's "From Python" section kept the same as python/README.md."""

import doctest
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent.parent
SECTION = HERE / "README.md"


def test_the_examples_run_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # The ```python blocks, each ended by a blank line (the end of its
    # last example's expected output).
    blocks = re.findall(r"```python\n(.*?)```", SECTION.read_text(), re.DOTALL)
    text = "\n".join(blocks)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "README.md", str(SECTION), 0)
    assert len(test.examples) >= 15
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert result.failed == 0, f"{result.failed} of the README's examples failed (see above)"


def test_the_root_readme_holds_the_same_section():
    text = (HERE.parent / "README.md").read_text()
    section = SECTION.read_text()
    assert section in text, "README.md's ## From Python differs from python/README.md"
    assert text.index("## From Python") < text.index("## Exit status")
