"""The notebooks in analysis/ run top to bottom on real tiny searches and draw their figures."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "analysis"
KERNEL = "python3"


def parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))


def execute(name: str, run_dir: object, cwd: Path) -> list[dict]:
    """Run a notebook with RUN_DIR replaced; return the outputs of its code cells."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    parameters_cell(nb).source = f"RUN_DIR = {run_dir!r}"
    NotebookClient(nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]


def images(outputs: list[dict]) -> int:
    return sum("image/png" in output.get("data", {}) for output in outputs)


def text(outputs: list[dict]) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)


def test_the_kernel_is_this_interpreter():
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    # jupyter_client starts a spec whose argv[0] is "python" with the interpreter that runs it
    assert spec.argv[0] in {"python", "python3", sys.executable}
    assert spec.language == "python"


@pytest.mark.parametrize("name", ["search_overview", "score_vs_accuracy", "pareto"])
def test_stored_notebooks_are_clean_and_take_run_dir_first(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is parameters_cell(nb) and code[0].source.startswith("RUN_DIR = ")
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_search_overview_compares_both_searchers(tiny_runs, tmp_path):
    outputs = execute("search_overview", [str(tiny_runs["random"]), str(tiny_runs["evolution"])], tmp_path)
    assert images(outputs) == 2  # best so far, score histogram
    shown = text(outputs)
    assert "random" in shown and "evolution" in shown and "#1  score" in shown and "backward edges" in shown


def test_score_vs_accuracy_without_training_says_so(tiny_runs, tmp_path):
    outputs = execute("score_vs_accuracy", str(tiny_runs["random"]), tmp_path)
    assert images(outputs) == 1  # score against parameter count only
    shown = text(outputs)
    assert "0 trained cells" in shown and "no training results" in shown and "no trained cells yet" in shown


def test_score_vs_accuracy_with_training_rows(run_copy, write_training, tmp_path):
    from snasray import analysis as sa

    ranked = sa.ranked_cells(sa.load_runs(run_copy))
    write_training(run_copy, {key: 0.5 + 0.01 * i for i, key in enumerate(ranked["key"][::-1])})
    outputs = execute("score_vs_accuracy", str(run_copy), tmp_path)
    assert images(outputs) == 4  # score against params, accuracy against score and against params, hit rates
    printed = text(outputs)
    assert (
        f"{len(ranked)} trained cells" in printed and f"recipe r (n = {len(ranked)} trained cells): {{1: 1.0" in printed
    )
    assert "10: nan" in printed  # fewer than 10 cells trained: undefined


def test_pareto_draws_both_costs(tiny_runs, tmp_path):
    outputs = execute("pareto", [str(tiny_runs["random"]), str(tiny_runs["evolution"])], tmp_path)
    assert images(outputs) == 2  # firing rate and synops
    assert "firing rate" in text(outputs) and "forward edges" in text(outputs)
