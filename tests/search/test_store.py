import math

import pandas as pd
import pyarrow.parquet as pq

from snasray.search import SCHEMA_VERSION, SCORE_SCHEMA, ScoreStore


def rows(n, start=0):
    return [
        {
            "key": f"k{i}",
            "cell": f"c{i}",
            "seed": 0,
            "config_hash": "h",
            "score": float(i),
            "layer_rates": {"a": 0.1},
            "status": "ok",
            "order": i,
        }
        for i in range(start, start + n)
    ]


def test_appends_are_readable_with_plain_pandas(tmp_path):
    store = ScoreStore(tmp_path)
    store.append(rows(3))
    store.append(rows(2, start=3))
    (tmp_path / "_run.json").write_text("{}")
    (tmp_path / "_tune").mkdir()
    frame = pd.read_parquet(tmp_path)
    assert sorted(frame["key"]) == [f"k{i}" for i in range(5)]
    assert (frame["schema_version"] == SCHEMA_VERSION).all()
    assert list(store.read().columns) == SCORE_SCHEMA.names


def test_a_crash_mid_write_leaves_a_readable_store(tmp_path):
    store = ScoreStore(tmp_path)
    store.append(rows(2))
    # what a killed writer leaves behind: a hidden, truncated temporary file
    (tmp_path / ".scores-123-abc.parquet.tmp").write_bytes(b"PAR1\x00\x01")
    assert len(pd.read_parquet(tmp_path)) == 2
    assert len(store.read()) == 2
    assert not list(tmp_path.glob("scores-*.tmp"))


def test_index_filters_config_and_seed(tmp_path):
    store = ScoreStore(tmp_path)
    other = [dict(r, seed=1) for r in rows(2)]
    store.append(rows(2) + other)
    assert set(store.index("h", 0)) == {"k0", "k1"}
    assert store.index("other", 0) == {}


def test_schema_is_explicit(tmp_path):
    store = ScoreStore(tmp_path)
    path = store.append([{"key": "k", "score": None, "matrix": [0, 1, 0, 0]}])
    schema = pq.read_schema(path)
    assert schema.equals(SCORE_SCHEMA, check_metadata=False)
    assert math.isnan(store.read()["score"][0])
    assert store.append([]) is None
