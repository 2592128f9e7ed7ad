"""Score a cell: a freshly initialised network, `repeat` batches in training mode, SAHD log-determinant."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field, replace

import torch

from snasray.cells import OPS, Cell, Op
from snasray.cells.cell import reachability
from snasray.cells.ops import op_table
from snasray.data import DataConfig, dataset_spec, input_spec, score_batches
from snasray.limits import MAX_BATCH, MAX_REPEAT, MAX_TIMESTEPS, check_count, check_seed
from snasray.model import SNASNet, model_preset
from snasray.proxies._registry import DEFAULT_PROXY, get_proxy
from snasray.proxies.probes import ForwardProbe, GradientProbe
from snasray.score.collector import SpikeCollector
from snasray.score.kernel import GRAM_PATHS, logdet_score

LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


@dataclass(frozen=True)
class ScoreConfig:
    """Everything that changes a score, besides the cell and the seed (the device and paths do not).

    layout: the memory layout of images and network. "nchw" (the default) gives the spikes of a plain
    NCHW network, the released code's, bit for bit; "channels_last" rounds convolutions differently
    and flips up to a few percent of spikes near threshold (scores move by up to ~1e-3 relative), for
    a speed gain of up to ~20% at width 16 that was not consistent across the loaded runs (BENCHMARKS.md
    sections 5 and 6); NCHW already scores 1.9x faster than the released code.
    gram: how each spike Gram matrix is computed ("auto", "float32", "int8"; see `spike_gram`). Every
    path gives the same exact integer counts, so it never changes a score; "auto" picks the fastest
    by a short measurement per process.
    binning, downsample: how event recordings become frames (event data sets only; see `DataConfig`); the
    frames per recording are the preset's timesteps (or `timesteps`), one network timestep per frame.
    ops: the op table that gives the cells' op ids their meaning (`SearchSpace.op_table`); () is the built-in
    `OPS`. proxy: the registered proxy (`snasray.proxies`) whose value is the score; proxies: further gradient
    proxies to record in every result (every forward proxy is recorded anyway: they share one forward pass).
    """

    dataset: str = "cifar10-sample"
    preset: str = "tiny"
    batch_size: int = 64
    repeat: int = 2
    timesteps: int | None = None
    data_dir: str | None = None
    download: bool = False
    device: str = "cpu"
    table: str | None = None  # score by lookup in a precomputed table instead of a network
    layout: str = "nchw"
    gram: str = "auto"
    binning: str = "count"
    downsample: int = 1
    ops: tuple[Op, ...] = ()
    proxy: str = DEFAULT_PROXY
    proxies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Raises ValueError for a count out of range, an unknown layout, Gram path, data set, proxy or a bad op
        table."""
        import snasray.proxies  # noqa: F401  (registers the built-in proxies)

        table = op_table(self.ops)
        object.__setattr__(self, "ops", () if table == OPS else table)
        get_proxy(self.proxy)
        if isinstance(self.proxies, str) or not isinstance(self.proxies, (list, tuple)):
            raise ValueError(f"proxies must be a list of proxy names, got {type(self.proxies).__name__}")
        object.__setattr__(self, "proxies", tuple(sorted({get_proxy(name).name for name in self.proxies})))
        if self.table and (self.ops or self.proxy != DEFAULT_PROXY or self.proxies):
            raise ValueError(
                "a score table holds the sahd scores of cells of the built-in ops: score without --table to use"
                " another proxy, recorded proxies or a space's own ops"
            )
        check_count("batch_size", self.batch_size, 2, MAX_BATCH)  # the kernel compares samples
        check_count("repeat", self.repeat, 1, MAX_REPEAT)
        if self.timesteps is not None:
            check_count("timesteps", self.timesteps, 1, MAX_TIMESTEPS)
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown layout {self.layout!r}; choose one of {', '.join(LAYOUTS)}")
        if self.gram not in GRAM_PATHS:
            raise ValueError(f"unknown Gram path {self.gram!r}; choose one of {', '.join(GRAM_PATHS)}")
        dataset_spec(self.dataset)
        input_spec(self.data_config())

    @property
    def op_table(self) -> tuple[Op, ...]:
        return self.ops or OPS

    def gradient_proxies(self) -> tuple[str, ...]:
        """The gradient proxies a result records: `proxy` if it is one, and `proxies`."""
        names = {self.proxy, *self.proxies}
        return tuple(sorted(n for n in names if get_proxy(n).stage == "gradient"))

    def model_config(self):
        overrides = {"timesteps": self.timesteps} if self.timesteps else {}
        return model_preset(self.preset, **overrides)

    def data_config(self) -> DataConfig:
        return DataConfig.for_run(self)

    def config_hash(self) -> str:
        """16 hex digits over what defines a score. The layout changes spikes; the Gram setting does
        not (all paths are exact) but is keyed as set, not as resolved, so that every machine of a run
        agrees on the hash whichever path "auto" measures fastest there. Event data adds its binning and
        downsampling (its timesteps are the model's); static images hash as they always have. A space's own op
        table, a proxy other than the default and further proxies enter only when set, so earlier hashes hold."""
        keyed = {
            "dataset": self.dataset,
            "model": self.model_config().hash_fields(),
            "batch_size": self.batch_size,
            "repeat": self.repeat,
            "layout": self.layout,
            "gram": self.gram,
        }
        if dataset_spec(self.dataset).events:
            keyed.update(binning=self.binning, downsample=self.downsample)
        if self.ops:
            keyed["ops"] = [asdict(op) for op in self.ops]
        if self.proxy != DEFAULT_PROXY:
            keyed["proxy"] = self.proxy
        if self.proxies:
            keyed["proxies"] = list(self.proxies)
        from snasray.proxies.fitted import FITTED, model_digest

        fitted = sorted({self.proxy, *self.proxies} & set(FITTED))
        if fitted:  # a refitted model scores differently: its digest keeps the two apart
            keyed["models"] = {name: model_digest(name) for name in fitted}
        return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ScoreResult:
    """One cell's score and the spike statistics of its scoring batches (means over the repeats).

    firing_rate: spikes per neuron and timestep over all LIF layers; layer_rates: the same per layer;
    score: the value of the config's `proxy` (`error` holds its reason when not finite); proxies: the value of every
    proxy computed for the cell (proxy_reasons: why one is not finite); synops: synaptic operations per image;
    spikes_per_image: spikes per image summed over all timesteps
    and LIF calls; layer_neurons: neurons per image of each LIF layer (one call, C*H*W). A neuron that
    several cell edges share (`LIF.consumers`) counts once per edge it feeds in firing_rate,
    spikes_per_image and layer_neurons, so spikes_per_image = firing_rate * sum(layer_neurons) * timesteps.
    """

    cell: str
    key: str
    seed: int
    score: float
    repeat_scores: tuple[float, ...]
    firing_rate: float
    layer_rates: dict[str, float] = field(default_factory=dict)
    params: int = 0
    synops: float = 0.0
    spikes_per_image: float = math.nan
    layer_neurons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    proxy: str = DEFAULT_PROXY
    proxies: dict[str, float] = field(default_factory=dict)
    proxy_reasons: dict[str, str] = field(default_factory=dict)


class Scorer:
    """Keeps the score batches of one config on its device, per seed, and scores cells."""

    def __init__(self, config: ScoreConfig) -> None:
        self.config = config
        self.spec = input_spec(config.data_config())
        self.device = torch.device(config.device)
        self._batches: dict[int, list[torch.Tensor]] = {}
        self._labelled: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def batches(self, seed: int) -> list[torch.Tensor]:
        if seed not in self._batches:
            cfg = self.config
            found = score_batches(cfg.data_config(), cfg.batch_size, cfg.repeat, seed)
            layout = LAYOUTS[cfg.layout]
            layout = layout if found[0].dim() == 4 else torch.contiguous_format  # frames B x T x C x H x W: as read
            self._batches = {seed: [b.to(self.device).contiguous(memory_format=layout) for b in found]}
        return self._batches[seed]

    def labelled_batch(self, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The first scoring batch of `seed` with its labels, on the device, for the gradient proxies (kept per
        seed, as `batches` keeps the batches)."""
        if seed not in self._labelled:
            cfg = self.config
            images, labels = score_batches(cfg.data_config(), cfg.batch_size, 1, seed, labels=True)[0]
            self._labelled = {seed: (images.to(self.device), labels.to(self.device))}
        return self._labelled[seed]

    def build(self, cell: Cell, seed: int, network_class: type[SNASNet] = SNASNet) -> SNASNet:
        """A freshly initialised network (from `seed`) in training mode on the config's device and layout;
        `network_class` takes `cell` as SNASNet does (a `snasray.model.supernet.Supernet` takes its edges)."""
        torch.manual_seed(seed)
        spec = self.spec
        cfg = self.config
        network = network_class(
            cell, cfg.model_config(), spec.in_channels, spec.image_size, spec.num_classes, ops=cfg.op_table
        )
        return network.to(self.device, memory_format=LAYOUTS[self.config.layout]).train()

    def score(self, cell: Cell, seed: int) -> ScoreResult:
        """Score the network of the cell's canonical form (pruned, relabelled): the network its key names,
        so a cell and every equivalent cell get one score. `cell` in the result is the cell as given.
        Raises ValueError for a seed outside 0..MAX_SEED."""
        start = time.perf_counter()
        check_seed(seed)
        cell = Cell.parse(cell)
        key = cell.canonical_key()
        canonical = Cell.parse(key)
        if not reachability(canonical.array()[None])[0, 0, -1]:
            return self._dead(cell, key, seed, start)
        batches = self.batches(seed)
        network = self.build(canonical, seed)
        result = self.measure(network, batches, seed, cell=str(cell), key=key, start=start)
        gradient = self.config.gradient_proxies()
        if not gradient:
            return result
        probe = GradientProbe(lambda: self.build(canonical, seed), *self.labelled_batch(seed))
        values, reasons = dict(result.proxies), dict(result.proxy_reasons)
        for name in gradient:
            torch.manual_seed(seed)  # the dropout masks
            values[name], reason = get_proxy(name).compute(probe)
            if reason:
                reasons[name] = reason
        return self._with_proxies(result, values, reasons, time.perf_counter() - start)

    def _with_proxies(self, result: ScoreResult, values: dict, reasons: dict, seconds: float) -> ScoreResult:
        chosen = self.config.proxy
        return replace(
            result,
            score=values[chosen],
            repeat_scores=result.repeat_scores if chosen == DEFAULT_PROXY else (),
            error=reasons.get(chosen),
            proxy=chosen,
            proxies=values,
            proxy_reasons=reasons,
            seconds=seconds,
        )

    def _dead(self, cell: Cell, key: str, seed: int, start: float) -> ScoreResult:
        """The result of a cell whose pruned form has no path from input to output: every proxy non-finite."""
        reason = "no path from the cell input to its output"
        names = {self.config.proxy, *self.config.proxies}
        return ScoreResult(
            cell=str(cell),
            key=key,
            seed=seed,
            score=-math.inf,
            repeat_scores=(),
            firing_rate=math.nan,
            synops=math.nan,
            seconds=time.perf_counter() - start,
            error=reason,
            proxy=self.config.proxy,
            proxies=dict.fromkeys(sorted(names), -math.inf),
            proxy_reasons=dict.fromkeys(sorted(names), reason),
        )

    def measure(
        self, network: SNASNet, batches: list[torch.Tensor], seed: int, cell: str, key: str, start: float
    ) -> ScoreResult:
        """The score of a built network on `batches` in its current mode (dropout masks seeded with `seed`);
        `cell` and `key` name it in the result, `start` (a `time.perf_counter` reading) times it."""
        collector = SpikeCollector(network, self.config.gram)
        per_repeat, reasons, stacks = [], [], []
        rates, layer_rates, synops, spikes = [], {}, [], []
        torch.manual_seed(seed)  # the dropout masks
        with torch.inference_mode():
            for images in batches:
                collector.clear()
                network(images)
                value, reason = logdet_score(collector.kernel())
                per_repeat.append(value)
                reasons += [reason] if reason else []
                stacks.append(collector.spike_stack())
                rates.append(collector.overall_rate())
                synops.append(collector.synops_per_sample())
                spikes.append(collector.spikes_per_sample())
                for name, rate in collector.layer_rates().items():
                    layer_rates[name] = layer_rates.get(name, 0.0) + rate / len(batches)
        collector.close()
        params = sum(p.numel() for p in network.parameters())
        probe = ForwardProbe(tuple(stacks), params, sum(synops) / len(synops), sum(rates) / len(rates), layer_rates)
        error = "; ".join(sorted(set(reasons))) or None
        probe.values[DEFAULT_PROXY] = (sum(per_repeat) / len(per_repeat), error)  # sahd: the kernels above
        values, proxy_reasons = {}, {}
        for name in forward_proxies():
            values[name], reason = probe.value(name)
            if reason:
                proxy_reasons[name] = reason
        result = ScoreResult(
            cell=cell,
            key=key,
            seed=seed,
            score=values[DEFAULT_PROXY],
            repeat_scores=tuple(per_repeat),
            firing_rate=sum(rates) / len(rates),
            layer_rates=layer_rates,
            params=params,
            synops=sum(synops) / len(synops),
            spikes_per_image=sum(spikes) / len(spikes),
            layer_neurons=collector.layer_neurons(),
            seconds=time.perf_counter() - start,
            error=error,
        )
        if self.config.proxy == DEFAULT_PROXY:  # the score as it always was; the proxies beside it
            return replace(result, proxies=values, proxy_reasons=proxy_reasons)
        values.setdefault(self.config.proxy, math.nan)  # a gradient proxy: `score` fills it in
        return self._with_proxies(result, values, proxy_reasons, result.seconds)


def forward_proxies() -> list[str]:
    """The registered forward proxies: all computed from every scoring forward pass."""
    from snasray.proxies import PROXIES

    return sorted(name for name, proxy in PROXIES.items() if proxy.stage == "forward")
