"""Training speed of bpnn's core against scikit-learn's MLP and PyTorch (when installed), workloads W1–W5.

    python bench/run.py              # the full run (about half an hour); writes docs/bench.json, docs/bench.md
    python bench/run.py --quick      # a smoke run (a few minutes): fewer epochs, rows and runs; prints only
    python bench/run.py --only W2,W3 --out /tmp/bench    # a subset, written elsewhere

Protocol (see :mod:`workloads` for how each framework is set up identically):
- BLAS threads are pinned with threadpoolctl to ``--threads`` (default 1) for every framework, and PyTorch's
  intra-op threads to the same count.
- For each workload and dtype (float64, float32), after an untimed one-epoch warm-up of every framework
  and optimizer on the first 1024 rows, every round runs each optimizer (SGD, Adam) in each
  framework, the framework order rotated from round to round. The time per epoch is the median over the
  rounds (``--repeats``: 5 for W1–W3, 3 for W4–W5) of a whole fit divided by its epochs; a ratio is the
  median of the rounds' own ratios (two runs made one after the other). The final training losses are
  checked to be comparable.
- Achieved GFLOP/s counts 6 × parameters × samples per epoch (forward 2, backward 4 FLOPs per weight and
  sample). The same-run GEMM reference times the step's matrix products alone at the same shapes and dtype
  (``workloads.gemm_reference``), between the frameworks' runs; "GEMM share" is that GEMM-only time per epoch
  over bpnn's time per epoch, i.e. bpnn's rate on the exact GEMM FLOP count as a fraction of the reference.
- Peak memory above the data: each framework trains one epoch in a fresh subprocess; tracemalloc's peak
  (NumPy buffers, for bpnn and scikit-learn) and the peak resident set above the resident set before the
  fit (/proc VmHWM after resetting it, for all three). Both include the model. The frameworks are imported
  before measuring, and so is bpnn's optional accelerator (Numba's compiled Adam/RMSprop loop): a
  once-per-process cost, whose resident memory the printed line states beside the training's.
- Import times: median of 5 wall times of ``python -c "import bpnn"``, ``bpnn --help`` and ``python -c
  "import bpnn.core"`` (NumPy and the core: what the first use of a lazy name such as ``bpnn.Network``
  costs) minus that of a bare ``python -c pass``.
- Command latencies (:func:`command_latencies`): median wall and CPU time of whole ``bpnn --help``, ``bpnn info
  MODEL``, ``bpnn predict MODEL small.csv``, ``evaluate``, ``export``, ``forecast`` and ``bpnn train`` processes on a
  small model and file, against a ``python -c "import numpy"`` process as the floor.
  ``python bench/run.py --commands`` measures them alone and puts them into docs/bench.json and docs/bench.md,
  every other row of the last full run kept.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from step_costs import markdown as step_costs_markdown
from step_costs import measure as measure_step_costs
from workloads import (
    FRAMEWORKS,
    QUICK,
    SEED,
    WORKLOADS,
    Workload,
    gemm_reference,
    initial_params,
    load,
    torch_available,
    update_reference,
)

ROOT = Path(__file__).resolve().parent.parent
DTYPES = ("float64", "float32")
OPTIMIZERS = ("sgd", "adam")
TARGETS = {"W1": (0.5, 0.25), "W2": (0.4, 0.25), "W3": (0.4, 0.25), "W4": (0.65, 0.75), "W5": (0.65, 0.75)}  # vs (sklearn, torch)
HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "rich", "dask", "threadpoolctl", "torch")


def comparable(a: float, b: float) -> bool:
    """Final losses agree to 25% of the larger, or 0.02 absolute (same start, different shuffles)."""
    return abs(a - b) <= 0.02 + 0.25 * max(abs(a), abs(b))


def settings(name: str, quick: bool) -> tuple[Workload, int, int | None]:
    work = WORKLOADS[name]
    options = QUICK[name] if quick else {}
    return work, options.get("epochs", work.epochs), options.get("rows")


# ---- timing ----------------------------------------------------------------------------------------
def time_workload(name: str, dtype: str, frameworks: list, repeats: int, quick: bool) -> dict:
    """Time every (optimizer, framework) pair ``repeats`` times, round by round, so that the pairs compared
    (bpnn against a peer, Adam against SGD) are measured close together in time."""
    work, epochs, rows = settings(name, quick)
    X, y = load(name, np.dtype(dtype), rows)
    init = initial_params(work, X.dtype)
    runs = {(opt, fw): [] for opt in OPTIMIZERS for fw in frameworks}
    losses = {}
    for optimizer in OPTIMIZERS:  # untimed warm-up: first calls load code and fill caches (PyTorch's first step is slow)
        for fw in frameworks:
            FRAMEWORKS[fw](work, X[:1024], y[:1024], optimizer, 1, init)
    gemm, updates = [], []
    for rep in range(repeats):
        for optimizer in OPTIMIZERS:
            for fw in frameworks[rep % len(frameworks):] + frameworks[:rep % len(frameworks)]:  # rotated order
                gc.collect()
                seconds, losses[optimizer, fw] = FRAMEWORKS[fw](work, X, y, optimizer, epochs, init)
                runs[optimizer, fw].append(seconds / epochs)
        gemm.append(gemm_reference(work, X.shape[0], X.dtype))
        updates.append(update_reference(work.n_params, X.dtype))
    gemm_step = statistics.median(g["seconds_per_step"] for g in gemm)
    steps = gemm[0]["seconds_per_epoch"] / gemm[0]["seconds_per_step"]
    gemm_epoch = gemm_step * steps
    flops_6pn = 6 * work.n_params * X.shape[0]
    results = {}
    for optimizer in OPTIMIZERS:
        times = {fw: runs[optimizer, fw] for fw in frameworks}
        per_epoch = {fw: statistics.median(t) for fw, t in times.items()}
        entry = {
            "epochs": epochs, "rows": X.shape[0], "batch_size": work.batch_size or X.shape[0],
            "params": work.n_params, "per_epoch_s": per_epoch, "runs_s": times,
            "final_loss": {fw: losses[optimizer, fw] for fw in frameworks},
            "gflops_6pn": {fw: flops_6pn / t / 1e9 for fw, t in per_epoch.items()},
            "gemm_flops_per_step": gemm[0]["flops_per_step"], "gemm_s_per_step": gemm_step,
            "gemm_gflops": gemm[0]["flops_per_step"] / gemm_step / 1e9, "gemm_s_per_epoch": gemm_epoch,
            "gemm_share": {fw: gemm_epoch / t for fw, t in per_epoch.items()},
            "update_s_per_step": {key: statistics.median(u[key] for u in updates) for key in updates[0]},
            "steps_per_epoch": steps,
            # the median of the rounds' own ratios: each compares two runs made one after the other
            "ratio": {fw: statistics.median(b / p for b, p in zip(times["bpnn"], times[fw]))
                      for fw in frameworks if fw != "bpnn"},
            "spread": {fw: max(t) / min(t) for fw, t in times.items()},
        }
        if optimizer == "adam":
            entry["adam_over_sgd"] = statistics.median(a / s for a, s in zip(times["bpnn"], runs["sgd", "bpnn"]))
        entry["losses_comparable"] = all(comparable(entry["final_loss"]["bpnn"], entry["final_loss"][fw])
                                         for fw in frameworks if fw != "bpnn")
        results[optimizer] = entry
        line = "  ".join(f"{fw} {1e3 * t:9.3f} ms" for fw, t in per_epoch.items())
        ratios = "  ".join(f"x{fw} {r:.2f}" for fw, r in entry["ratio"].items())
        print(f"{name} {dtype:7s} {optimizer:4s}  {line}   {ratios}   GEMM share {entry['gemm_share']['bpnn']:.0%}  "
              f"loss {' / '.join(f'{v:.4f}' for v in entry['final_loss'].values())}", flush=True)
    return results


def numpy_adam_study(names: list, quick: bool, repeats: int) -> dict:
    """bpnn's Adam with its update in NumPy (the optional accelerator set aside, as where Numba is not installed or
    not loaded) against scikit-learn's, per workload and dtype: rounds alternate the two, the ratio is the median of
    the rounds' ratios."""
    from bpnn.core import kernels

    study = {}
    saved = kernels.MIN_PARAMS, kernels.loaded
    kernels.MIN_PARAMS, kernels.loaded = 2 ** 62, False
    try:
        for name in names:
            work, epochs, rows = settings(name, quick)
            for dtype in DTYPES:
                X, y = load(name, np.dtype(dtype), rows)
                init = initial_params(work, X.dtype)
                times = {"bpnn": [], "sklearn": []}
                for rep in range(repeats):
                    for fw in (("bpnn", "sklearn") if rep % 2 == 0 else ("sklearn", "bpnn")):
                        gc.collect()
                        times[fw].append(FRAMEWORKS[fw](work, X, y, "adam", epochs, init)[0] / epochs)
                ratio = statistics.median(b / s for b, s in zip(times["bpnn"], times["sklearn"]))
                study.setdefault(name, {})[dtype] = {"per_epoch_s": {k: statistics.median(v) for k, v in times.items()},
                                                     "ratio": ratio}
                print(f"{name} {dtype} adam, update in NumPy: bpnn {1e3 * statistics.median(times['bpnn']):.3f} ms, "
                      f"sklearn {1e3 * statistics.median(times['sklearn']):.3f} ms, x{ratio:.2f}", flush=True)
    finally:
        kernels.MIN_PARAMS, kernels.loaded = saved
    return study


def thread_study(names: list, quick: bool, repeats: int) -> dict:
    """bpnn's time per epoch with 1 and 2 BLAS threads (float64, SGD, alternated, median of ``repeats``)."""
    study = {}
    for name in names:
        work, epochs, rows = settings(name, quick)
        epochs = max(1, epochs // 5) if name in ("W1", "W2", "W3") else 1
        X, y = load(name, np.dtype("float64"), rows)
        init = initial_params(work, X.dtype)
        times = {1: [], 2: []}
        for rep in range(repeats):
            for threads in ((1, 2) if rep % 2 == 0 else (2, 1)):
                with threadpool_limits(limits=threads, user_api="blas"):
                    seconds, _ = FRAMEWORKS["bpnn"](work, X, y, "sgd", epochs, init)
                times[threads].append(seconds / epochs)
        study[name] = {str(k): statistics.median(v) for k, v in times.items()}
        print(f"threads {name}: 1 thread {1e3 * study[name]['1']:.3f} ms/epoch, 2 threads {1e3 * study[name]['2']:.3f} ms/epoch",
              flush=True)
    return study


# ---- memory (one subprocess per measurement) --------------------------------------------------------
def memory_probe(name: str, dtype: str, optimizer: str, framework: str, quick: bool, threads: int) -> dict:
    """Run in a fresh interpreter: one epoch of ``framework``, peak memory above the loaded data."""
    import tracemalloc

    work, _, rows = settings(name, quick)
    X, y = load(name, np.dtype(dtype), rows)
    init = initial_params(work, X.dtype)
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
    elif framework == "sklearn":
        import sklearn.neural_network  # noqa: F401
    else:
        import bpnn.core  # noqa: F401
    accelerator_kb = _load_accelerator(optimizer, X.dtype) if framework == "bpnn" else 0
    gc.collect()
    resident = _status_kb("VmRSS")
    resettable = _reset_peak_resident()
    tracemalloc.start()
    with threadpool_limits(limits=threads, user_api="blas"):
        FRAMEWORKS[framework](work, X, y, optimizer, 1, init)
    traced = tracemalloc.get_traced_memory()[1] if framework != "torch" else None
    tracemalloc.stop()
    peak = _status_kb("VmHWM") - resident if resettable else None
    return {"tracemalloc_mb": None if traced is None else traced / 2**20, "rss_mb": None if peak is None else peak / 2**10,
            "accelerator_rss_mb": accelerator_kb / 2**10}


def _load_accelerator(optimizer: str, dtype: np.dtype) -> int:
    """Load and compile bpnn's optional accelerator (Numba's Adam/RMSprop loop) for ``dtype`` before the
    measurement, as the frameworks' imports are: a once-per-process cost, not the training's memory. Returns the
    resident memory it took (kB), which the report states beside the training's peak; 0 without Numba."""
    from bpnn.core import kernels

    kernel = kernels.compiled(optimizer) if optimizer in kernels.RULES else None
    if kernel is None:
        return 0
    before = _status_kb("VmRSS")
    vector, scalar = np.zeros(1, dtype), np.dtype(dtype).type
    rates = (0.9, 0.999, 0.1, 1.0, 1e-8, 1e-3) if optimizer == "adam" else (0.9, 0.1, 1e-8, 1e-3)
    states = 3 if optimizer == "adam" else 2
    kernel(vector, *(vector.copy() for _ in range(states)), *map(scalar, rates))  # compiles it for this dtype
    return _status_kb("VmRSS") - before


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_resident() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current resident set
        return True
    except OSError:
        return False


def measure_memory(names: list, frameworks: list, quick: bool, threads: int) -> dict:
    memory = {}
    for name in names:
        for dtype in DTYPES:
            for optimizer in OPTIMIZERS:
                for fw in frameworks:
                    command = [sys.executable, __file__, "--memory-probe", name, dtype, optimizer, fw,
                               "--threads", str(threads)] + (["--quick"] if quick else [])
                    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                    if done.returncode:
                        raise RuntimeError(f"memory probe {name} {dtype} {optimizer} {fw} failed:\n{done.stderr}")
                    memory.setdefault(name, {}).setdefault(dtype, {}).setdefault(optimizer, {})[fw] = \
                        json.loads(done.stdout.strip().splitlines()[-1])
                row = memory[name][dtype]
                accelerator = row[optimizer].get("bpnn", {}).get("accelerator_rss_mb")
                print(f"memory {name} {dtype} {optimizer}: " + "  ".join(
                    f"{fw} {_mb(row[optimizer][fw]['tracemalloc_mb'])} traced / {_mb(row[optimizer][fw]['rss_mb'])} RSS"
                    for fw in frameworks)
                    + (f"  (bpnn's accelerator, loaded before: {_mb(accelerator)} RSS)" if accelerator else ""),
                    flush=True)
    return memory


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} MB"


# ---- import times ----------------------------------------------------------------------------------
def import_times(repeats: int = 5) -> dict:
    python = sys.executable
    script = Path(python).with_name("bpnn")
    help_command = [str(script), "--help"] if script.exists() else [python, "-m", "bpnn.cli", "--help"]
    commands = {"bare": [python, "-c", "pass"], "import numpy": [python, "-c", "import numpy"],
                "import bpnn": [python, "-c", "import bpnn"], "bpnn --help": help_command,
                "import bpnn.core (first use of the core)": [python, "-c", "import bpnn.core"],
                "import sklearn.neural_network": [python, "-c", "import sklearn.neural_network"]}
    if torch_available():
        commands["import torch"] = [python, "-c", "import torch"]
    walls = {key: [] for key in commands}
    for _ in range(repeats):
        for key, command in commands.items():  # interleaved, so load changes hit every command alike
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            walls[key].append(time.perf_counter() - started)
    bare = statistics.median(walls["bare"])
    result = {"bare_s": bare, "above_bare_s": {key: statistics.median(v) - bare for key, v in walls.items() if key != "bare"}}
    probe = ("import sys\nfrom bpnn.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))), file=sys.stderr)")
    result["heavy_after_import"] = _heavy_modules([python, "-c", "import sys, bpnn; bpnn.Network, bpnn.train; "
                                                   f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} "
                                                   f"& set({HEAVY!r}))), file=sys.stderr)"])
    result["heavy_after_help"] = _heavy_modules([python, "-c", probe])
    return result


# ---- command latencies -----------------------------------------------------------------------------
COMMAND_TARGET_S, COMMAND_TARGET_FLOOR = 0.5, 4.0  # info and predict: <= 0.5 s, or <= 4x `import numpy` if larger


def command_latencies(repeats: int = 5) -> dict:
    """Whole-process latency of the commands a shell loop or a service would call, on a small model and file.

    A 300-row, 4-feature classification table is trained once with ``bpnn train`` (itself a timed row) into
    a model in a temporary folder, and a 200-step series into a NARX model; ``bpnn predict`` scores a 20-row file,
    ``bpnn evaluate`` a labelled one, ``bpnn export`` writes the NumPy module and ``bpnn forecast`` forecasts 5 steps.
    Every command runs once untimed, then ``repeats`` times interleaved with the others, so that load changes hit
    every command alike; the median wall time and the median CPU time (user + system of the child, from
    ``getrusage``: steadier on a busy machine) are reported, with ``python -c "import numpy"`` as the floor and
    ``python -c "import pandas"`` beside it (what reading a table costs: predict, evaluate and forecast need it).

    Bytecode: the children write and read compiled bytecode in a temporary ``PYTHONPYCACHEPREFIX`` (and
    PYTHONDONTWRITEBYTECODE is dropped), as after ``pip install``, which compiles it; the untimed run fills it.
    Without it every run would compile bpnn's modules again (``bytecode`` in the result says which)."""
    import resource
    import tempfile

    python = sys.executable
    script = Path(python).with_name("bpnn")
    bpnn = [str(script)] if script.exists() else [python, "-m", "bpnn.cli"]
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((300, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    t = np.arange(200)
    exog = np.sin(t / 7.0)
    level = np.r_[0.0, 0.6 * exog[:-1]] + 0.1 * np.cos(t / 3.0)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        rows = ["a,b,c,d,y"] + [",".join(f"{v:.4f}" for v in row) + f",{label}" for row, label in zip(X, y)]
        (folder / "train.csv").write_text("\n".join(rows) + "\n")
        (folder / "small.csv").write_text("\n".join(["a,b,c,d"] + [",".join(f"{v:.4f}" for v in row) for row in X[:20]]) + "\n")
        (folder / "labelled.csv").write_text("\n".join(rows[:21]) + "\n")
        future = [f"{x:.4f}," for x in np.sin(np.arange(200, 205) / 7.0)]
        (folder / "series.csv").write_text("\n".join(["x,level", *(f"{a:.4f},{b:.4f}" for a, b in zip(exog, level)),
                                                       *future]) + "\n")
        model, series = str(folder / "model.bpnn"), str(folder / "series.bpnn")
        train = bpnn + ["train", str(folder / "train.csv"), "--target", "y", "--hidden", "8", "--epochs", "20", "--out", model,
                        "--quiet"]
        setup = bpnn + ["train", str(folder / "series.csv"), "--target", "level", "--delays", "2", "--exog", "x",
                        "--hidden", "4", "--epochs", "20", "--out", series, "--quiet"]
        commands = {"python -c 'import numpy' (floor)": [python, "-c", "import numpy"],
                    "python -c 'import pandas' (table reading)": [python, "-c", "import pandas"],
                    "bpnn --help": bpnn + ["--help"],
                    "bpnn info MODEL": bpnn + ["info", model],
                    "bpnn predict MODEL small.csv (20 rows)": bpnn + ["predict", model, str(folder / "small.csv")],
                    "bpnn evaluate MODEL labelled.csv (20 rows)": bpnn + ["evaluate", model, str(folder / "labelled.csv")],
                    "bpnn export MODEL --to python": bpnn + ["export", model, "--to", "python", str(folder / "m.py")],
                    "bpnn forecast SERIES series.csv --steps 5": bpnn + ["forecast", series, str(folder / "series.csv"),
                                                                         "--steps", "5"],
                    "bpnn train (300 rows, 20 epochs)": train}
        for command in [train, setup, *commands.values()]:  # the models the others read; fills the bytecode cache
            subprocess.run(command, check=True, capture_output=True, cwd=folder, env=env)
        walls = {key: [] for key in commands}
        cpus = {key: [] for key in commands}
        load_start = os.getloadavg()
        for _ in range(repeats):
            for key, command in commands.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, cwd=folder, env=env)
                walls[key].append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus[key].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    floor = "python -c 'import numpy' (floor)"
    result = {"repeats": repeats, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(),
              "load_average_start": load_start, "load_average_end": os.getloadavg(),
              "bytecode": "cached (PYTHONPYCACHEPREFIX, filled by an untimed run)",
              "wall_s": {key: statistics.median(v) for key, v in walls.items()},
              "cpu_s": {key: statistics.median(v) for key, v in cpus.items()}, "runs_wall_s": walls, "runs_cpu_s": cpus}
    result["over_floor"] = {key: result["wall_s"][key] / result["wall_s"][floor] for key in commands}
    result["cpu_over_floor"] = {key: result["cpu_s"][key] / result["cpu_s"][floor] for key in commands}
    result["floor"] = floor
    return result


def update_commands(out: Path, commands: dict) -> None:
    """The command latencies into the report in ``out`` (bench.json and bench.md), its other rows kept."""
    path = out / "bench.json"
    report = json.loads(path.read_text())
    report["commands"] = commands
    report["targets"] = check_targets(report["timing"], report["memory"], report.get("imports"), commands)
    text = markdown(report)
    path.write_text(json.dumps(report, indent=1, default=float) + "\n")
    (out / "bench.md").write_text(text)
    print(text[text.index("## Command latencies"):])
    print(f"wrote the command latencies into {path} and {out / 'bench.md'}")


def _heavy_modules(command: list) -> list:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    line = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return [m for m in line.split(",") if m]


# ---- report ----------------------------------------------------------------------------------------
def environment(threads: int) -> dict:
    import sklearn

    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "sklearn": sklearn.__version__, "blas": threadpool_info(), "threads": threads,
            "openblas_env": {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "MKL"))},
            "load_average_start": os.getloadavg()}
    if torch_available():
        import torch
        info["torch"] = torch.__version__
    from bpnn.core import kernels
    if kernels.load():  # bpnn's optional accelerator (bpnn[fast]), loaded before timing as the peers' imports are
        import numba
        info["numba"] = numba.__version__
    return info


def check_targets(timing: dict, memory: dict, imports: dict | None, commands: dict | None = None) -> list:
    """[(target, measured, holds)] for every acceptance target the run covers."""
    checks = []
    for name, (vs_sklearn, vs_torch) in TARGETS.items():
        for dtype, by_optimizer in timing.get(name, {}).items():
            for optimizer, entry in by_optimizer.items():
                for fw, limit in (("sklearn", vs_sklearn), ("torch", vs_torch)):
                    if fw in entry["ratio"]:
                        ratio = entry["ratio"][fw]
                        # a bpnn doing nothing but the GEMMs would reach the peer's GEMM share as its ratio
                        measured = f"{ratio:.2f}" + (f" (floor at 100% GEMM share: {entry['gemm_share'][fw]:.2f})"
                                                     if name in ("W4", "W5") else "")
                        checks.append((f"{name} {dtype} {optimizer}: bpnn/{fw} <= {limit}", measured, ratio <= limit))
    for name in ("W4", "W5"):
        for dtype, by_optimizer in timing.get(name, {}).items():
            share = by_optimizer["sgd"]["gemm_share"]["bpnn"]
            checks.append((f"{name} {dtype} sgd: >= 70% of same-run GEMM GFLOP/s (exact GEMM count)", f"{share:.0%}",
                           share >= 0.7))
    for dtype, by_optimizer in timing.get("W4", {}).items():
        extra = by_optimizer["adam"]["adam_over_sgd"] - 1
        checks.append((f"W4 {dtype}: Adam <= 15% more per epoch than SGD", f"{extra:+.0%}", extra <= 0.15))
    for dtype, by_optimizer in memory.get("W4", {}).items():
        for optimizer, row in by_optimizer.items():
            if "sklearn" in row:
                ours, theirs = row["bpnn"]["tracemalloc_mb"], row["sklearn"]["tracemalloc_mb"]
                checks.append((f"W4 {dtype} {optimizer}: training memory <= sklearn's (tracemalloc)",
                               f"{ours:.1f} vs {theirs:.1f} MB", ours <= theirs))
    for key in ("bpnn info MODEL", "bpnn predict MODEL small.csv (20 rows)"):
        if commands and key in commands["wall_s"]:
            limit = max(COMMAND_TARGET_S, COMMAND_TARGET_FLOOR * commands["wall_s"][commands["floor"]])
            wall = commands["wall_s"][key]
            checks.append((f"`{key}` <= {limit:.2f} s median wall (0.5 s or 4x `import numpy`, the larger)",
                           f"{wall:.2f} s ({commands['over_floor'][key]:.1f}x the floor)", wall <= limit))
    if imports:
        for key, limit in (("import bpnn", 0.150), ("bpnn --help", 0.300)):
            above = imports["above_bare_s"][key]
            checks.append((f"{key} < {1e3 * limit:.0f} ms above a bare interpreter", f"{1e3 * above:.0f} ms", above < limit))
    return checks


def _accelerator_text(env: dict) -> str:
    if "numba" in env:
        return (f"Numba {env['numba']} (bpnn[fast]: its compiled Adam update loaded before timing, as the peers' "
                f"imports are, so every Adam update runs compiled; Adam in NumPy below)")
    return "no Numba (bpnn[fast] absent: Adam's update in NumPy)"


def markdown(report: dict) -> str:
    env, timing, memory = report["environment"], report["timing"], report["memory"]
    frameworks = report["frameworks"]
    peers = [fw for fw in frameworks if fw != "bpnn"]
    lines = ["# bpnn training benchmark", "",
             f"Generated by `python bench/run.py{' --quick' if report['quick'] else ''}` on {env['date']}: {env['cpu']}, "
             f"{env['cores']} cores, Python {env['python']}, NumPy {env['numpy']}, scikit-learn {env['sklearn']}"
             f"{', PyTorch ' + env['torch'] if 'torch' in env else ''}; {_accelerator_text(env)}; BLAS "
             f"{_blas_text(env['blas'])}; "
             f"{env['threads']} BLAS thread(s) for every framework. "
             f"Load average {env['load_average_start'][0]:.2f} at the start, "
             f"{env['load_average_end'][0]:.2f} at the end (this machine is shared).", ""]
    if "torch" not in frameworks:
        lines += ["PyTorch is not installed here: its columns are skipped.", ""]
    header = ["workload", "dtype", "opt", "bpnn ms/epoch"] + [f"{fw} ms/epoch" for fw in peers] + [f"bpnn/{fw}" for fw in peers]
    names = " / ".join(frameworks)
    header += ["bpnn GFLOP/s (6PN)", "GEMM GFLOP/s", f"GEMM share {names}", f"final loss {names}", f"peak MB above data {names}"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in timing:
        for dtype in timing[name]:
            for optimizer, entry in timing[name][dtype].items():
                t = entry["per_epoch_s"]
                mem = memory.get(name, {}).get(dtype, {}).get(optimizer, {})
                peak = " / ".join(_mb_short(mem.get(fw, {})) for fw in frameworks)
                losses = " / ".join(f"{entry['final_loss'][fw]:.4f}" for fw in frameworks)
                losses += "" if entry["losses_comparable"] else " (!)"
                row = [name, dtype, optimizer, f"{1e3 * t['bpnn']:.3f}"] + [f"{1e3 * t[fw]:.3f}" for fw in peers]
                row += [f"{entry['ratio'][fw]:.2f}" for fw in peers]
                shares = " / ".join(f"{entry['gemm_share'][fw]:.0%}" for fw in frameworks)
                row += [f"{entry['gflops_6pn']['bpnn']:.1f}", f"{entry['gemm_gflops']:.1f}", shares, losses, peak or "–"]
                lines.append("| " + " | ".join(row) + " |")
    lines += ["", "- ms/epoch: median of the runs' fit time / epochs (whole fit: one-hot targets, model, training). "
              "bpnn/peer: the median of each round's ratio of two runs made one after the other.",
              "- GFLOP/s (6PN): 6 × parameters × samples per epoch / time per epoch.",
              "- GEMM GFLOP/s: the step's matrix products alone (forward, weight gradient, and input gradient below the "
              "top layer) at the workload's shapes and dtype, timed in the same run, exact FLOP count. GEMM share: that "
              "GEMM-only time per epoch / bpnn's time per epoch.",
              "- Final loss: last epoch's training loss; (!) marks losses that differ by more than 25% + 0.02.",
              "- Peak memory above the data: one epoch in a fresh process; tracemalloc peak (NumPy buffers, incl. the "
              "model), and in brackets the peak resident set above the resident set before the fit (/proc VmHWM). "
              "Imports, and bpnn's optional accelerator (Numba: about 60 MB resident once per process, compiled before "
              "the fit), are loaded before measuring.", ""]
    adam = _adam_lines(timing)
    if adam:
        lines += ["## Adam against SGD on W4", ""] + adam + [""]
    if report.get("numpy_adam"):
        lines += ["## Adam in NumPy (bpnn's accelerator set aside)", "",
                  "bpnn's Adam with its update in NumPy, as where Numba is not installed, or not loaded: a process loads "
                  "it itself only for networks of 2^17 parameters or more, since loading costs about half a second "
                  "(`bpnn.core.kernels.load()` loads it for every size). Rounds alternate bpnn and scikit-learn.", "",
                  "| workload | dtype | bpnn ms/epoch | sklearn ms/epoch | bpnn/sklearn |", "|---|---|---|---|---|"]
        for name, by_dtype in report["numpy_adam"].items():
            for dtype, row in by_dtype.items():
                lines.append(f"| {name} | {dtype} | {1e3 * row['per_epoch_s']['bpnn']:.3f} | "
                             f"{1e3 * row['per_epoch_s']['sklearn']:.3f} | {row['ratio']:.2f} |")
        lines.append("")
    if report.get("step_costs"):
        lines += ["## A small network's step, formulation by formulation (W3's shapes, 1 BLAS thread)", "",
                  "`python bench/step_costs.py`: each part of a step timed alone, the best of 60 blocks of 200 calls; "
                  "the training loop uses the formulation marked used, the others measured no faster (or not enough "
                  "to pay for what they cost elsewhere: the flat L2 term needs a parameter-sized buffer, and W4's "
                  "memory target is tight).", ""] + step_costs_markdown(report["step_costs"]) + [""]
    if report.get("threads_study"):
        lines += ["## BLAS threads (bpnn, float64, SGD)", "", "| workload | 1 thread ms/epoch | 2 threads ms/epoch | 2 / 1 |",
                  "|---|---|---|---|"]
        for name, row in report["threads_study"].items():
            lines.append(f"| {name} | {1e3 * row['1']:.3f} | {1e3 * row['2']:.3f} | {row['2'] / row['1']:.2f} |")
        capped = [name for name in report["threads_study"] if _capped(name)]
        lines += ["", "bpnn's default, `train(..., blas_threads=\"auto\")`, uses one BLAS thread while training when "
                  f"every layer's product on a batch is below 2^22 multiply-adds ({', '.join(capped) or 'none'} of these), "
                  "and leaves BLAS as configured otherwise; the benchmark passes `blas_threads=None` so that every "
                  "framework runs on the pinned count.", ""]
    if report.get("imports"):
        imports = report["imports"]
        lines += ["## Import times (median of 5, above a bare interpreter)", "",
                  f"Bare interpreter: {1e3 * imports['bare_s']:.0f} ms.", ""]
        lines += [f"- `{key}`: {1e3 * value:.0f} ms" for key, value in imports["above_bare_s"].items()]
        own = imports["above_bare_s"]["import bpnn.core (first use of the core)"] - imports["above_bare_s"]["import numpy"]
        lines += [f"- bpnn's core on its first use, `import bpnn.core` less `import numpy`: {1e3 * own:.0f} ms",
                  "- `import bpnn` itself is lazy (PEP 562): it loads neither NumPy nor the core until a name "
                  "such as `bpnn.Network` is used; the `import bpnn.core` line is what that first use costs."]
        lines += ["- heavy modules after `import bpnn` and using `bpnn.Network`, `bpnn.train`: "
                  f"{', '.join(imports['heavy_after_import']) or 'none'}; "
                  f"after `bpnn --help`: {', '.join(imports['heavy_after_help']) or 'none'}", ""]
    if report.get("commands"):
        commands = report["commands"]
        when = (f"; measured {commands['date']}, load average {commands['load_average_start'][0]:.2f} at the start and "
                f"{commands['load_average_end'][0]:.2f} at the end on {commands['cores']} cores, bytecode "
                f"{commands['bytecode']}" if "date" in commands else "")
        lines += [f"## Command latencies (whole process, median of {commands['repeats']}, small model and file{when})", "",
                  "| command | wall s | × floor (wall) | CPU s | × floor (CPU) |", "|---|---|---|---|---|"]
        lines += [f"| `{key}` | {wall:.3f} | {commands['over_floor'][key]:.1f} | {commands['cpu_s'][key]:.3f} | "
                  f"{commands['cpu_over_floor'][key]:.1f} |" for key, wall in commands["wall_s"].items()]
        lines += ["", "The floor is a Python process that imports NumPy and exits. CPU: user + system time of the child "
                  "(steadier than wall time on a shared machine).", ""]
    lines += ["## Targets", "", "| target | measured | holds |", "|---|---|---|"]
    lines += [f"| {target} | {measured} | {'yes' if holds else '**no**'} |" for target, measured, holds in report["targets"]]
    return "\n".join(lines) + "\n"


def _capped(name: str) -> bool:
    """Whether train's blas_threads="auto" would run this workload on one BLAS thread."""
    from bpnn.core.training import SMALL_PRODUCT

    work = WORKLOADS[name]
    sizes, batch = work.layer_sizes, work.batch_size or 400  # W1, the only full-batch one, has 400 rows
    return max(batch * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])) < SMALL_PRODUCT


def _blas_text(libraries: list) -> str:
    return ", ".join(f"{lib.get('internal_api')} {lib.get('version')} ({lib.get('architecture')})"
                     for lib in libraries if lib.get("user_api") == "blas")


def _adam_lines(timing: dict) -> list:
    """Why Adam costs what it costs on W4: its update alone against SGD's, per step, from the same run."""
    lines = []
    for dtype, by_optimizer in timing.get("W4", {}).items():
        sgd, adam = by_optimizer["sgd"], by_optimizer["adam"]
        update = adam["update_s_per_step"]
        predicted = (update["adam"] - update["sgd"]) * adam["steps_per_epoch"] / sgd["per_epoch_s"]["bpnn"]
        measured = adam["adam_over_sgd"] - 1
        lines.append(f"- W4 {dtype}: the Adam update alone takes {1e3 * update['adam']:.3f} ms per step against "
                     f"{1e3 * update['sgd']:.3f} ms for SGD's; one whole-vector pass (w = 0.5 g over {adam['params']} "
                     f"parameters) takes {1e3 * update['one_pass']:.3f} ms, so Adam's update is "
                     f"{update['adam'] / update['one_pass']:.1f} passes. Over {adam['steps_per_epoch']:.0f} steps that "
                     f"predicts {predicted:+.0%} per epoch over SGD; measured {measured:+.0%}.")
    return lines


def _mb_short(measured: dict) -> str:
    traced, rss = measured.get("tracemalloc_mb"), measured.get("rss_mb")
    return ("n/a" if traced is None else f"{traced:.1f}") + ("" if rss is None else f" ({rss:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and rows, for a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="BLAS (and PyTorch) threads for every framework")
    parser.add_argument("--repeats", type=int, default=None,
                        help="rounds per workload, median (default 5 for W1-W3 and 3 for W4-W5; 1 with --quick)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads, e.g. W2,W3")
    parser.add_argument("--out", default=None, help="folder for bench.json and bench.md (default: docs/ for a full run)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--no-commands", action="store_true", help="skip the command latencies")
    parser.add_argument("--commands", action="store_true", help="measure the command latencies alone and put them "
                                                                "into the last full run's bench.json and bench.md")
    parser.add_argument("--no-threads-study", action="store_true", help="skip the 1-vs-2 BLAS threads study")
    parser.add_argument("--memory-probe", nargs=4, metavar=("WORKLOAD", "DTYPE", "OPTIMIZER", "FRAMEWORK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        print(json.dumps(memory_probe(*args.memory_probe, quick=args.quick, threads=args.threads)))
        return
    if args.commands:
        update_commands(Path(args.out or ROOT / "docs"), command_latencies(3 if args.quick else 5))
        return
    names = [name.strip() for name in args.only.split(",")]
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; valid workloads are {', '.join(WORKLOADS)}")
    repeats = args.repeats or (1 if args.quick else None)  # None: per workload, see the time_workload call
    frameworks = ["bpnn", "sklearn"] + (["torch"] if torch_available() else [])
    if "torch" not in frameworks:
        print("PyTorch is not installed: its columns are skipped.")
    env = environment(args.threads)
    imports = import_times()
    print("import times above a bare interpreter: "
          + ", ".join(f"{key} {1e3 * value:.0f} ms" for key, value in imports["above_bare_s"].items()))
    commands = None if args.no_commands else command_latencies(3 if args.quick else 5)
    if commands:
        print("command latencies (median wall / CPU): " + ", ".join(
            f"{key} {commands['wall_s'][key]:.2f} s / {commands['cpu_s'][key]:.2f} s" for key in commands["wall_s"]), flush=True)
    import sklearn.neural_network  # noqa: F401

    import bpnn.core  # noqa: F401  (imported before timing, like the peers below)
    if "torch" in frameworks:
        import torch
        torch.set_num_threads(args.threads)
    timing = {}
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for name in names:
            print(f"{name}: {WORKLOADS[name].title}", flush=True)
            rounds = repeats or (5 if name in ("W1", "W2", "W3") else 3)
            timing[name] = {dtype: time_workload(name, dtype, frameworks, rounds, args.quick) for dtype in DTYPES}
    # --quick measures threads and memory only where a target or the thread default depends on them
    numpy_adam = {}
    if "numba" in env:
        with threadpool_limits(limits=args.threads, user_api="blas"):
            numpy_adam = numpy_adam_study([n for n in names if n in ("W1", "W2", "W3")], args.quick, repeats or 5)
    step_costs = {} if args.quick or "W3" not in names else measure_step_costs()
    study = {} if args.no_threads_study else thread_study([n for n in names if not args.quick or n in ("W3", "W4")],
                                                          args.quick, repeats or 3)
    memory = {} if args.no_memory else measure_memory([n for n in names if not args.quick or n == "W4"], frameworks,
                                                      args.quick, args.threads)
    env["load_average_end"] = os.getloadavg()
    report = {"environment": env, "quick": args.quick, "frameworks": frameworks, "timing": timing, "memory": memory,
              "threads_study": study, "imports": imports, "commands": commands, "numpy_adam": numpy_adam,
              "step_costs": step_costs}
    report["targets"] = check_targets(timing, memory, imports, report.get("commands"))
    text = markdown(report)
    print()
    print(text)
    out = args.out or (None if args.quick else str(ROOT / "docs"))
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "bench.json").write_text(json.dumps(report, indent=1, default=float) + "\n")
        (Path(out) / "bench.md").write_text(text)
        print(f"wrote {Path(out) / 'bench.json'} and {Path(out) / 'bench.md'}")


if __name__ == "__main__":
    main()
