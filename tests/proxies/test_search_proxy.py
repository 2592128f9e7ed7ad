"""A search by another proxy: its value is every row's score, and the rows record the others beside it."""

import numpy as np

from snasray.score import ScoreConfig
from snasray.search import SearchConfig, run_search
from snasray.search.store import proxy_columns


def test_a_search_maximises_the_chosen_proxy_and_records_the_rest(ray_local, tmp_path):
    score = ScoreConfig(dataset="digits", preset="tiny", batch_size=16, repeat=1, proxy="params")
    config = SearchConfig(space="spikenas-bench", searcher="random", budget=6, score=score, workers=2)
    outcome = run_search(config, tmp_path / "run", progress=False)
    rows = outcome.table
    assert len(rows) == 6 and set(rows["proxy"]) == {"params"}
    values = proxy_columns(rows)
    live = rows["status"].eq("ok") & np.isfinite(rows["score"])
    assert np.array_equal(rows.loc[live, "score"], values.loc[live, "params"])
    assert np.array_equal(rows.loc[live, "score"], rows.loc[live, "params"].astype(float))
    assert {"sahd", "hd", "fit-spikenas"} <= set(values.columns)
    assert rows["config_hash"].nunique() == 1 and rows["config_hash"].iloc[0] != ScoreConfig().config_hash()
