"""Time-varying input through the network and the score: static images unchanged, frames one per timestep."""

import pytest
import torch

from snasray.cells import Cell
from snasray.model import PRESETS, SNASNet, model_preset, spiking_layers
from snasray.score import ScoreConfig
from snasray.score.collector import SpikeCollector
from snasray.train import TrainConfig

CELL = Cell.parse("0303 0030 2002 0200")


def network(preset="events-tiny", seed=0, **overrides):
    torch.manual_seed(seed)
    return SNASNet(CELL, model_preset(preset, **overrides), 2, 32, 10)


@pytest.mark.parametrize("training", [True, False])
def test_a_static_image_repeated_as_frames_gives_the_same_output(training):
    images = torch.rand(6, 2, 32, 32) * 3
    net = network().train(training)
    torch.manual_seed(1)
    static = net(images)
    torch.manual_seed(1)
    frames = net(images.unsqueeze(1).expand(-1, 5, -1, -1, -1).contiguous())
    assert torch.equal(static, frames)


def test_frames_set_the_timesteps_and_each_frame_reaches_the_stem():
    net = network(dropout=0.0).train()
    collector = SpikeCollector(net, "float32")

    def kernel(frames):
        collector.clear()
        with torch.inference_mode():
            net(frames)
        return collector.kernel(), len(collector.layer_neurons()), collector.spikes_per_sample()

    frames = torch.rand(4, 3, 2, 32, 32) * 4
    later = frames.clone()
    later[:, 2] = 0
    full, layers, spikes = kernel(frames)
    _, _, first_spikes = kernel(frames[:, :1])
    assert layers > 0 and spikes > first_spikes  # three timesteps fire more than one
    assert not torch.equal(full, kernel(later)[0])  # the last frame changes the spikes
    assert torch.equal(kernel(frames[:, :2])[0], kernel(later[:, :2])[0])
    collector.close()


def test_inputs_of_another_rank_are_refused():
    with pytest.raises(ValueError, match="B x T x C x H x W"):
        network()(torch.rand(2, 32, 32))


def test_the_lightsnn_gesture_preset_has_its_published_shape():
    config = PRESETS["dvs-gesture"]
    assert (config.width, config.hidden, config.population, config.timesteps) == (128, 1024, 10, 16)
    assert (config.pool, config.input_pool, config.second_avgpool) == ("max", 2, 2)
    torch.manual_seed(0)
    net = SNASNet(CELL, config, 2, 128, 11)
    # stem max pool 2, max pool 2 after the down-convolution, max pool 2 after cell 2: 128 -> 16
    assert net.fc1.in_features == 256 * 16 * 16 and net.fc2.out_features == 110
    assert len(spiking_layers(net)) > 0


def test_max_pooling_presets_reject_images_too_small():
    with pytest.raises(ValueError, match="too small"):
        SNASNet(CELL, PRESETS["dvs-gesture"], 2, 4, 11)


def test_static_config_hashes_do_not_move():
    # the hashes of configs stored before event data existed
    assert ScoreConfig().config_hash() == "4c276dbd48ee7e3e"
    assert ScoreConfig(dataset="digits", preset="small", timesteps=3).config_hash() == "d8d6e84b0c7f5506"
    assert TrainConfig().recipe_hash() == "040f562bc5b6a96a"
    assert TrainConfig.from_recipe("short", dataset="digits").recipe_hash() == "868a3fa72fa05033"
    assert "pool" not in model_preset("tiny").hash_fields()
    assert model_preset("events-tiny").hash_fields()["pool"] == "max"


def test_event_config_hashes_key_timesteps_binning_and_downsampling():
    base = ScoreConfig(dataset="dvs-gesture", preset="events-tiny", downsample=4)
    hashes = {
        base.config_hash(),
        ScoreConfig(dataset="dvs-gesture", preset="events-tiny", downsample=2).config_hash(),
        ScoreConfig(dataset="dvs-gesture", preset="events-tiny", downsample=4, binning="time").config_hash(),
        ScoreConfig(dataset="dvs-gesture", preset="events-tiny", downsample=4, timesteps=8).config_hash(),
    }
    assert len(hashes) == 4
    assert base.data_config().timesteps == 5
    events = TrainConfig(dataset="nmnist", preset="events-tiny")
    assert events.recipe_hash() != TrainConfig(dataset="nmnist", preset="events-tiny", binning="time").recipe_hash()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dataset": "digits", "downsample": 2}, "event data sets only"),
        ({"dataset": "nmnist", "downsample": 3}, "does not divide the 34 px side"),
        ({"dataset": "nmnist", "binning": "space"}, "unknown binning"),
        ({"dataset": "nmnist", "downsample": 0}, "positive integer"),
    ],
)
def test_bad_event_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ScoreConfig(**kwargs)
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)
