"""SpikeNAS-Bench's ids and records: one-to-one cells, both record layouts, clear refusals."""

import pytest

from snasray.bench import read_spikenas, spikenas_cell, spikenas_id
from snasray.cells import Cell, load_space
from snasray.errors import UserError
from tests.bench.conftest import record, write_checkout


def test_every_id_maps_to_a_cell_of_the_space_and_back():
    space = load_space("spikenas-bench")
    cells = [spikenas_cell(i) for i in range(15_625)]
    assert len({str(c) for c in cells}) == 15_625
    assert all(spikenas_id(c) == i for i, c in enumerate(cells))
    assert all(space.violation(c) is None for c in cells[::97])


def test_the_id_reads_the_edges_as_base_5_digits():
    # edge order (0,1), (0,2), (0,3), (1,2), (1,3), (2,3); digit k weighs 5**k
    assert str(spikenas_cell(1)) == "0100 0000 0000 0000"
    assert str(spikenas_cell(5**2 * 3)) == "0003 0000 0000 0000"
    assert str(spikenas_cell(5**5 * 4)) == "0000 0000 0004 0000"
    assert spikenas_id("0123 0041 0002 0000") == 1 + 2 * 5 + 3 * 25 + 4 * 125 + 1 * 625 + 2 * 3125


@pytest.mark.parametrize("bad", [-1, 15_625, 1.5, True, "3"])
def test_ids_outside_the_table_are_refused(bad):
    with pytest.raises(ValueError, match="architecture id is an integer 0..15624"):
        spikenas_cell(bad)


@pytest.mark.parametrize("cell", ["0000 1000 0000 0000", "0500 0000 0000 0000", "030 000 000"])
def test_cells_beyond_the_benchmark_have_no_id(cell):
    with pytest.raises(ValueError, match="not a SpikeNAS-Bench cell"):
        spikenas_id(Cell.parse(cell))


def test_a_checkout_reads_as_one_row_per_id(small_checkout):
    table = read_spikenas(small_checkout)
    assert len(table) == 61 and table["id"].is_monotonic_increasing
    dead = table[table["id"] == 0].iloc[0]
    assert dead["test_accuracy"] == 10.0 and not dead["learns"] and dead["key"] == "0000 0000 0000 0000"
    row = table[table["id"] != 0].iloc[0]
    assert row["epochs"] == 3 and row["final_val_accuracy"] == pytest.approx(row["test_accuracy"] - 0.8)
    assert row["train_seconds"] == pytest.approx(3600 + 38 * 60 + 45.9)
    assert row["key"] == spikenas_cell(int(row["id"])).canonical_key()


def test_tinyimagenet_records_and_a_header_that_names_another_id(tmp_path):
    root = write_checkout(tmp_path, [4880, 77], "TinyImagenet", tiny=True)
    (root / "data/TinyImagenet/4880/train_process.txt").write_text(record(4880, 42.1, tiny=True, header_id=2))
    table = read_spikenas(root, "tinyimagenet")
    assert table["id"].tolist() == [77, 4880] and table["header_id"].tolist() == [77, 2]
    assert table.set_index("id").loc[4880, "test_accuracy"] == 42.1


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda root: None, "is not a SpikeNAS-Bench checkout: no folder data/CIFAR100"),
        (lambda root: (root / "data/CIFAR10/5/train_process.txt").write_text("architecture id: 5\n"), "cannot read"),
        (lambda root: (root / "data/CIFAR10/5/train_process.txt").write_bytes(b"\xff\xfe"), "cannot read"),
    ],
)
def test_a_bad_checkout_is_one_clear_error(tmp_path, damage, message):
    root = write_checkout(tmp_path, [5, 6])
    damage(root)
    with pytest.raises(UserError, match=message):
        read_spikenas(root, "cifar100" if "CIFAR100" in message else "cifar10")


def test_unknown_sets_and_empty_folders_are_refused(tmp_path):
    with pytest.raises(UserError, match="unknown SpikeNAS-Bench data set 'mnist'"):
        read_spikenas(tmp_path, "mnist")
    (tmp_path / "data/CIFAR10").mkdir(parents=True)
    with pytest.raises(UserError, match="holds no train_process.txt records"):
        read_spikenas(tmp_path)


def test_folders_not_named_as_ids_are_skipped_and_duplicates_cannot_arise(tmp_path):
    root = write_checkout(tmp_path, [11, 3])
    for name in ("011", "٣"):
        (root / "data/CIFAR10" / name).mkdir()
        (root / "data/CIFAR10" / name / "train_process.txt").write_text(record(11, 85.0))
    assert read_spikenas(root)["id"].tolist() == [3, 11]


@pytest.mark.parametrize(
    "text, message",
    [
        (record(5, 120.0), "test accuracy 120.0 is not a percentage"),
        (record(5, 85.0).replace("test accuracy: 85.000", "test accuracy: 1e999"), "not a finite number"),
        (record(5, 85.0).replace("model parameters: 1000000", "model parameters: " + "9" * 5000), "is not a count"),
        (record(5, 85.0) + "1" * 200_000 + "x\n", "a line of 200,001 characters"),
    ],
)
def test_a_record_out_of_range_or_crafted_is_refused_quickly(tmp_path, text, message):
    root = write_checkout(tmp_path, [5])
    (root / "data/CIFAR10/5/train_process.txt").write_text(text)
    with pytest.raises(UserError, match=message):
        read_spikenas(root)
