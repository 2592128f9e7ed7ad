import pytest
from export_checks import CELLS


@pytest.fixture(scope="session")
def trained(ray_local, tmp_path_factory):
    """Checkpoints of a real one-epoch training of both cells (tiny preset, digits): cell -> checkpoint folder."""
    from snasray.cells import Cell
    from snasray.train import TrainConfig, read_training, train_cells

    run_dir = tmp_path_factory.mktemp("export") / "run"
    config = TrainConfig.from_recipe(
        "short", dataset="digits", preset="tiny", epochs=1, batch_size=32, train_images=256, stats_images=16
    )
    train_cells(list(CELLS), config, run_dir, progress=lambda line: None)
    rows = read_training(run_dir)
    final = rows[rows["kind"] == "final"]
    by_key = dict(zip(final["key"], final["checkpoint"], strict=True))
    return {cell: by_key[Cell.parse(cell).canonical_key()] for cell in CELLS}


@pytest.fixture(scope="session")
def images():
    """16 real test images of the digits data set, normalised as in training."""
    import torch

    from snasray.data import DataConfig, load_split

    data = load_split(DataConfig("digits"), "test")
    return torch.stack([data[i][0] for i in range(16)])
