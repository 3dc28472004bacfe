"""A fitted estimator as model-file state and back: ``to_state(estimator) -> (meta, arrays)`` (JSON-able values
and NumPy arrays holding everything to predict and inspect) and ``from_state(cls, meta, arrays)``; see
:mod:`bpnn.files.modelfile` for the file around them. The layout is the one earlier versions wrote, so their
model files still load."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from bpnn.core.network import Network
from bpnn.core.training import History
from bpnn.estimators.data import TASKS
from bpnn.files.fitted import member_states
from bpnn.preprocessing import Division, scaler_from_dict

Array = np.ndarray
HISTORY_SERIES = ("loss", "val_loss", "val_score", "learning_rate", "seconds")  # History lists saved by to_state


def plain(value: object) -> object:
    """``value`` with tuples, ranges and arrays as lists and NumPy scalars and dtypes as Python values."""
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.dtype, type)):
        return np.dtype(value).name
    return value


def to_state(est: object) -> tuple[dict, dict[str, Array]]:
    """(meta, arrays): JSON-able values and NumPy arrays holding everything to predict and inspect."""
    check_is_fitted(est)
    network, history = est.network_, est.history_
    params = {name: value for name, value in est.get_params().items() if name != "callbacks"}
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = [[plain(key), plain(value)] for key, value in params["class_weight"].items()]
    if not (params["random_state"] is None or isinstance(params["random_state"], Integral)):
        params["random_state"] = None  # a RandomState or Generator has no JSON form
    meta = {
        "params": {name: plain(value) for name, value in params.items()},
        "layer_sizes": network.layer_sizes,
        "activations": [g.name for g in network.activations[:-1]],
        "output_activation": network.activations[-1].name,
        "loss": TASKS[est._target_type][1],
        "dtype": network.dtype.name,
        "target_type": est._target_type,
        "n_features_in": int(est.n_features_in_),
        "feature_names_in": est.feature_names_in_.tolist() if hasattr(est, "feature_names_in_") else None,
        "n_iter": est.n_iter_,
        "t": int(est.t_),
        "best_loss": est.best_loss_,
        "history": {"best_epoch": history.best_epoch, "stop_reason": history.stop_reason,
                    "message": history.message, "extra": list(history.extra)},
        "x_scaling": None if est.x_scaler_ is None else est.x_scaler_.to_dict(),
        "y_scaling": None if est.y_scaler_ is None else est.y_scaler_.to_dict(),
        "test_scores": est.test_scores_,
    }
    arrays = {"params": network.params, **{f"history/{name}": np.asarray(getattr(history, name), dtype=np.float64)
                                           for name in HISTORY_SERIES}}
    if getattr(est, "feature_range_", None) is not None:  # absent from models fitted before it existed
        arrays["feature_range"] = est.feature_range_
    if est.division_ is not None:
        arrays.update({f"division/{name}": rows for name, rows in vars(est.division_).items()})
    arrays.update({f"history/extra/{name}": np.asarray(values, dtype=np.float64) for name, values in history.extra.items()})
    optimizer = getattr(est, "_optimizer", None)
    if optimizer is not None:
        state = optimizer.state()
        meta["optimizer"] = {key: value for key, value in state.items()
                             if value is not None and not isinstance(value, np.ndarray)}
        arrays.update({f"optimizer/{key}": value for key, value in state.items() if isinstance(value, np.ndarray)})
    est._classes_to_state(meta, arrays)
    if hasattr(est, "trials_"):  # n_init's record; an ensemble's members under members/K/ (bpnn.estimators.trials)
        meta["trials"], meta["best_trial"] = est.trials_, est.best_trial_
    for number, member in enumerate(getattr(est, "estimators_", None) or ()):
        member_meta, member_arrays = to_state(member)
        meta.setdefault("members", []).append(member_meta)
        arrays.update({f"members/{number}/{name}": array for name, array in member_arrays.items()})
    return meta, arrays


def from_state(cls: type, meta: dict, arrays: dict[str, Array]) -> object:
    """The fitted ``cls`` (BPClassifier or BPRegressor) that :func:`to_state` described."""
    params = dict(meta["params"])
    if isinstance(params.get("class_weight"), list):
        params["class_weight"] = {key: value for key, value in params["class_weight"]}
    for name in ("hidden_layer_sizes", "scaling_range", "division_ratios"):  # JSON gave lists for tuples
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    est = cls(**params)
    est.network_ = Network(meta["layer_sizes"], meta["activations"], meta["output_activation"], dtype=meta["dtype"])
    est.network_.unpack(arrays["params"])
    est.n_outputs_ = meta["layer_sizes"][-1]
    est.x_scaler_, est.y_scaler_ = (None if meta[name] is None else scaler_from_dict(meta[name])
                                    for name in ("x_scaling", "y_scaling"))
    est.test_scores_ = meta["test_scores"]
    est.feature_range_ = arrays.get("feature_range")  # None in files written before it was kept: no warnings
    est.division_ = Division(*(arrays[f"division/{name}"] for name in ("train", "val", "test"))) \
        if "division/train" in arrays else None
    history = meta["history"]
    est.history_ = History(**{name: arrays[f"history/{name}"].tolist() for name in HISTORY_SERIES},
                           extra={name: arrays[f"history/extra/{name}"].tolist() for name in history["extra"]},
                           best_epoch=history["best_epoch"], stop_reason=history["stop_reason"],
                           message=history["message"])
    est._target_type = meta["target_type"]
    est.n_features_in_ = meta["n_features_in"]
    if meta["feature_names_in"] is not None:
        est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    est.t_ = meta["t"]
    if "optimizer" in meta:
        prefix = "optimizer/"
        est._optimizer = est._new_optimizer()
        est._optimizer.set_state({**meta["optimizer"], **{key[len(prefix):]: value for key, value in arrays.items()
                                                          if key.startswith(prefix)}})
        est._schedule = est._make_schedule()
    est._classes_from_state(meta, arrays)
    if "trials" in meta:
        est.trials_, est.best_trial_ = meta["trials"], meta["best_trial"]
    if meta.get("members"):
        est.estimators_ = [from_state(cls, *member) for member in member_states(meta, arrays)]
    return est
