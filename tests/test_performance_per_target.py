"""Several targets scaled by different factors (issue 14): the performance figure gives each target its own panel
in its own units, at every epoch, and those curves agree with the trainer's pooled performance of the scaled
targets; where the weights of each epoch are not at hand (several trials) the pooled curve stays, said so."""

import numpy as np
import pandas as pd
import pytest

from bpnn.cli import main
from bpnn.files.modelfile import load, read

pytestmark = pytest.mark.usefixtures("one_blas_thread")
EPS = np.finfo(np.float64).eps


@pytest.fixture
def two_targets(tmp_path):
    rng = np.random.default_rng(7)
    x1, x2 = rng.uniform(0, 10, 200), rng.uniform(-5, 5, 200)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "small": 0.01 * np.sin(x1 / 2) + 0.001 * x2 + rng.normal(0, 5e-4, 200),
                          "big": 1000 * np.cos(x2 / 3) + 50 * x1 + rng.normal(0, 20, 200)})
    frame.to_csv(tmp_path / "two.csv", index=False)
    return tmp_path / "two.csv"


def test_each_targets_curve_in_its_units_adds_up_to_the_pooled_scaled_performance_at_every_epoch(two_targets, tmp_path,
                                                                                              figures):
    model = tmp_path / "two.bpnn"
    assert main(["train", str(two_targets), "--target", "small", "big", "--hidden", "6", "--epochs", "30",
                 "--alpha", "0", "--out", str(model), "--plots", str(tmp_path / "plots"), "--quiet"]) == 0
    estimator, record = load(model), read(model).info["training"]
    axes = figures["performance.png"].axes
    assert [a.get_ylabel() for a in axes] == ["Mean squared error of small (its units²)",
                                              "Mean squared error of big (its units²)"]
    # mapminmax scales target k by y' = a_k·y + c_k, so its squared error by a_k²; the trainer's performance is
    # perf = 2J/K = mean over the K targets of MSE'_k (no penalty with --alpha 0), hence perf = mean_k a_k²·MSE_k
    scaler = estimator.y_scaler_
    a = (scaler.transform(np.ones((1, 2))) - scaler.transform(np.zeros((1, 2)))).ravel()
    assert a[0] / a[1] > 1e4  # scaled by very different factors: the pooled curve alone has no units
    for split in ("Training", "Validation", "Test"):
        per_target = np.array([dict((line.get_label(), line.get_ydata()) for line in panel.get_lines())[split]
                               for panel in axes])  # (2, epochs drawn)
        pooled = np.asarray(record["curves"][split])
        drawn = per_target.shape[1]
        assert drawn in (len(pooled), len(pooled) - 1)  # a validation stop's last epoch gave its weights up
        # the two sides compute y - ŷ in scaled and in table units: each rounding of the scaling (|y'| <= 1) is
        # ε/RMSE' relative to the error, plus the sums over m rows
        rmse = np.sqrt(pooled[:drawn].min())
        m = len(getattr(estimator.division_, {"Training": "train", "Validation": "val", "Test": "test"}[split]))
        np.testing.assert_allclose((a[:, None] ** 2 * per_target).mean(axis=0), pooled[:drawn],
                                   rtol=8 * EPS / rmse + (m + 4) * EPS)


def test_several_trials_keep_the_pooled_curve_in_scaled_units(two_targets, tmp_path, figures):
    assert main(["train", str(two_targets), "--target", "small", "big", "--hidden", "4", "--epochs", "10",
                 "--restarts", "2", "--out", str(tmp_path / "r.bpnn"), "--plots", str(tmp_path / "plots"),
                 "--quiet"]) == 0
    assert [a.get_ylabel() for a in figures["performance.png"].axes] == ["Mean squared error of the scaled targets"]
