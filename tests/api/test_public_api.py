"""The public API: every name in `snasray.__all__` loads, `import snasray` stays light, errors state the facts."""

import subprocess
import sys

import pytest

import snasray
from snasray.errors import InvalidCell, ResumeMismatch, RunExists, RunNotFound, StoreWriteFailed, UserError


def test_import_loads_neither_torch_nor_ray():
    code = "import sys, snasray; print(sorted({'torch', 'ray', 'pandas'} & set(sys.modules)))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


@pytest.mark.parametrize("name", snasray.__all__)
def test_every_public_name_loads_and_says_what_it_is(name):
    value = getattr(snasray, name)
    assert value.__doc__ and value.__doc__.strip(), f"snasray.{name} has no docstring"
    assert name in dir(snasray)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'run_serach'"):
        snasray.run_serach  # noqa: B018


def test_errors_are_user_errors_that_name_no_command_line_flag(tmp_path):
    errors = [
        RunNotFound(tmp_path),
        RunExists(tmp_path, "abc123"),
        ResumeMismatch(tmp_path, {"seed": (0, 1), "score.dataset": ("digits", "synthetic"), "budget": (8, 4)}),
        StoreWriteFailed(tmp_path, "No space left on device", 3),
    ]
    for err in errors:
        assert isinstance(err, UserError) and str(tmp_path) in str(err) and "--" not in str(err)
        assert err.run_dir == tmp_path
    assert "seed 0 -> 1" in str(errors[2]) and "budget 4 is below the run's budget 8" in str(errors[2])
    invalid = InvalidCell("a cell needs a direct input -> output edge", {"p03": "none"})
    assert isinstance(invalid, UserError) and isinstance(invalid, ValueError) and invalid.config == {"p03": "none"}


def test_registered_searchers_are_listed_and_a_new_one_joins(tmp_path):
    from snasray.search.searchers import SEARCHERS

    @snasray.register_searcher("first-sampled")
    class FirstSampled:
        def __init__(self, space, rng, seed=0):
            self.space, self.rng = space, rng

        def ask(self):
            from snasray.cells import sample_cell

            return sample_cell(self.space, self.rng)

        def tell(self, cell, result):
            pass

    try:
        assert "first-sampled" in snasray.searcher_names()
        searcher = snasray.make_searcher("first-sampled", snasray.load_space("snasnet-forward"), seed=1)
        assert snasray.load_space("snasnet-forward").violation(searcher.ask()) is None
    finally:
        del SEARCHERS["first-sampled"]


def test_an_unknown_space_is_a_typed_error_naming_it():
    import pytest

    import snasray

    for given in ("nosuch", None, 5):
        with pytest.raises(snasray.UnknownSpace) as raised:
            snasray.param_space(given)
        assert raised.value.name == given and isinstance(raised.value, snasray.UserError)
    assert "unknown space 'nosuch'" in str(pytest.raises(snasray.UnknownSpace, snasray.load_space, "nosuch").value)
