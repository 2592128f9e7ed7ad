import pytest

from snasray.train import RECIPES, TrainConfig, key_slug
from snasray.train.loop import cosine_factor


def test_the_default_is_the_papers_recipe():
    config = TrainConfig()
    assert (config.optimizer, config.lr, config.momentum, config.weight_decay) == ("sgd", 0.1, 0.9, 5e-4)
    assert (config.epochs, config.batch_size, config.final_lr_ratio, config.augment) == (300, 64, 0.01, True)
    assert TrainConfig.from_recipe("paper") == config


def test_the_short_recipe_uses_adam_and_overrides_win():
    config = TrainConfig.from_recipe("short", epochs=3, lr=None, dataset="digits")
    assert (config.recipe, config.optimizer, config.lr, config.epochs) == ("short", "adam", 1e-3, 3)
    assert set(RECIPES) == {"paper", "short"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optimizer": "rmsprop"}, "unknown optimizer"),
        ({"epochs": 0}, "epochs must be"),
        ({"batch_size": 2, "num_workers": 4}, "smaller than"),
        ({"dataset": "mnist"}, "unknown data set"),
        ({"preset": "huge"}, "unknown preset"),
        ({"max_minutes": -1}, "max_minutes"),
    ],
)
def test_bad_settings_say_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)
    with pytest.raises(ValueError, match="unknown recipe"):
        TrainConfig.from_recipe("long")


def test_the_recipe_hash_ignores_where_and_how_fast_a_run_goes():
    base = TrainConfig.from_recipe("short", dataset="digits")
    same = base.with_overrides(data_dir="/x", max_minutes=5, use_gpu=True, cpus_per_worker=2, seed=7)
    assert same.recipe_hash() == base.recipe_hash()
    for change in ({"epochs": 11}, {"lr": 0.01}, {"num_workers": 2}, {"timesteps": 4}, {"preset": "small"}):
        assert base.with_overrides(**change).recipe_hash() != base.recipe_hash()
    assert base.run_name() != same.run_name()  # the seed names the run


def test_cosine_runs_from_lr_to_a_hundredth():
    assert cosine_factor(0, 300, 0.01) == 1
    assert cosine_factor(150, 300, 0.01) == pytest.approx(0.505)
    assert cosine_factor(300, 300, 0.01) == pytest.approx(0.01)


def test_key_slug_names_a_folder():
    assert key_slug("0303 0030 2002 0200") == "0303-0030-2002-0200"


def test_a_training_subset_is_a_fixed_random_choice():
    from snasray.train.loop import training_subset

    chosen = training_subset(10_000, 4_000)
    assert chosen == training_subset(10_000, 4_000) and len(set(chosen)) == 4_000
    assert max(chosen) > 9_000  # not the first images: a split stored class by class keeps all classes
    assert training_subset(10, 20) == list(range(10))
