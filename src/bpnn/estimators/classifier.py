"""BPClassifier: binary, multiclass and multilabel targets on a backpropagation network (see
:mod:`bpnn.estimators`)."""

from __future__ import annotations

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from bpnn.core.activations import sigmoid
from bpnn.estimators import trials
from bpnn.estimators.base import BPEstimator, keep_arguments, partial_fit_method
from bpnn.estimators.data import TASKS
from bpnn.estimators.docs import ATTRIBUTES, DEFAULTS
from bpnn.estimators.parameters import SHARED_PARAMETERS, parameter_docs
from bpnn.files import fitted
from bpnn.files.checkpoint import Checkpointing

Array = np.ndarray


class BPClassifier(ClassifierMixin, BPEstimator):
    __doc__ = f"""A backpropagation network classifier with scikit-learn's MLPClassifier API and more.

    Binary targets train one sigmoid output with binary cross-entropy, multiclass targets a softmax output
    with categorical cross-entropy, multilabel indicator targets one sigmoid output per label. The seed's
    network (sigmoid hidden layer, one sigmoid output, cross-entropy) is ``BPClassifier(activation="sigmoid")``
    on a binary target.
    {DEFAULTS}
    Parameters
    ----------
    {parameter_docs((*SHARED_PARAMETERS, "class_weight"), "accuracy")}

    Attributes
    ----------
    {ATTRIBUTES.strip()}
    classes_ : ndarray
        The class labels (for multilabel targets, the label indices 0..n_labels-1).
    class_weight_ : ndarray
        The weight of each class, from class_weight and the training rows (ones without class_weight).
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-3, batch_size="auto",
                 learning_rate="adaptive", learning_rate_init=0.01, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping="refit", validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=20, max_fun=15000, monitor="val_loss", class_weight=None, init="glorot_uniform", dtype=None,
                 callbacks=None, solver_options=None, max_fail=None, scaling=None, scaling_range=(-1.0, 1.0),
                 division=None, division_ratios=(0.7, 0.15, 0.15), division_indices=None, n_init=1,
                 ensemble=False, division_random_state=None):
        keep_arguments(self, locals())

    _numeric_target = False

    def fit(self, X: object, y: object, sample_weight: object = None, validation_data: tuple | None = None, *,
            checkpoint: str | None = None, checkpoint_every: int = 1, resume: str | None = None,
            stop: object = None, checkpoint_info: dict | None = None) -> BPClassifier:
        """Train on (X, y); ``validation_data`` = (X_val, y_val[, sample_weight_val]) is scored every epoch
        (``validation_loss_curve_``, ``validation_scores_``) and used by early stopping. ``checkpoint``,
        ``checkpoint_every``, ``resume``, ``stop`` and ``checkpoint_info`` (JSON kept beside the state; bpnn train keeps
        its settings there): see "Checkpoints" in the class docstring."""
        return self._fit(X, y, sample_weight, validation_data, incremental=False,
                         run=Checkpointing(checkpoint, checkpoint_every, resume, stop, checkpoint_info))

    @partial_fit_method
    def partial_fit(self, X: object, y: object, classes: object = None, sample_weight: object = None) -> BPClassifier:
        """One epoch over (X, y); ``classes`` (every label) is required on the first call unless y is multilabel.
        No validation split and no stop rule apply, and the learning rate stays where it is: the schedule
        advances with fit's epochs only, so a long stream of calls keeps learning."""
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    def predict_proba(self, X: object) -> Array:
        """Class probabilities ``(n_samples, n_classes)``; for multilabel targets, each label's probability.

        A probability too small for the dtype is given as its smallest normal number (2.2e-308 in float64), never
        as exactly 0, so that its log is finite and equals :meth:`predict_log_proba`."""
        if trials.has_members(self):  # an ensemble: its members' mean
            return trials.ensemble_proba(self, X)
        return fitted.probabilities(self._output_logits(X), self._target_type, self.network_)

    def predict_log_proba(self, X: object) -> Array:
        """log of predict_proba, computed from the output pre-activation (no cancellation, no -inf); floored, like
        predict_proba, at the log of the dtype's smallest normal number (-708 in float64)."""
        if trials.has_members(self):  # an ensemble: the log of its members' mean probabilities
            return np.log(trials.ensemble_proba(self, X))
        z = self._output_logits(X)
        if self._target_type == "binary":
            log_p = np.hstack([log_expit(-z), log_expit(z)])  # log σ(z) = -softplus(-z)
        else:
            # multilabel: the log of predict_proba's values (scikit-learn's definition), so that both rank the
            # labels alike where σ(z) rounds to 1; floored at tiny, it is as accurate as log σ(z) to 1e-16
            log_p = np.log(sigmoid(z)) if self._target_type == "multilabel" else log_softmax(z, axis=1)
        return np.maximum(log_p, np.log(np.finfo(log_p.dtype).tiny), out=log_p)

    def predict(self, X: object) -> Array:
        """Class labels ``(n_samples,)``; for multilabel targets, the 0/1 indicator ``(n_samples, n_labels)``."""
        if trials.has_members(self):  # an ensemble: from its members' mean probabilities
            return trials.ensemble_labels(self, X)
        return self._labels(self._output_logits(X))

    def _labels(self, z: Array) -> Array:
        """The predicted labels from the output pre-activation Z[L]."""
        return fitted.labels_of_logits(z, self._target_type, self.classes_)

    def _test_scores(self, test: tuple, y_test: Array) -> dict:
        """Accuracy and cross-entropy (without the L2 penalty) on the test rows of the division."""
        X, Y, weights = test
        cache = self.network_.forward(X)
        hit = self._labels(cache.Z[-1]) == y_test
        hit = hit.all(axis=1) if hit.ndim == 2 else hit  # multilabel: every label right (subset accuracy)
        return {"accuracy": float(np.average(hit, weights=weights)),
                "cross_entropy": float(self.network_.cost(cache, Y, TASKS[self._target_type][1], weights))}

    def _encode_targets(self, y: Array, *, classes: object, reset: bool, incremental: bool,
                        dtype: np.dtype) -> tuple[Array, Array | None]:
        """(Y, labels): y as network targets in ``dtype`` and each row's class index (None for multilabel)."""
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(f"BPClassifier takes binary, multiclass or multilabel-indicator targets; got {kind}")
        if reset:
            if kind == "multilabel-indicator":
                labels = np.arange(y.shape[1])
            elif classes is None and incremental:
                raise ValueError("classes must be passed on the first call to partial_fit: every label y will ever hold")
            else:
                labels = np.unique(y if classes is None else np.asarray(classes))
            self.classes_ = labels  # one class (scikit-learn fits it too): a binary network whose target is all 0
            self._target_type = "multilabel" if kind == "multilabel-indicator" else "binary" if len(labels) <= 2 else "multiclass"
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.asarray(classes).tolist()} differ from the first partial_fit call's "
                             f"{self.classes_.tolist()}")
        if (kind == "multilabel-indicator") != (self._target_type == "multilabel"):
            raise ValueError(f"y is {kind} but the model was fitted on {self._target_type} targets")
        if self._target_type == "multilabel":
            if y.shape[1] != len(self.classes_):
                raise ValueError(f"y has {y.shape[1]} labels; the model was fitted on {len(self.classes_)}")
            return y.astype(dtype), None
        index = np.searchsorted(self.classes_, y)
        unseen = (index >= len(self.classes_)) | (self.classes_[np.minimum(index, len(self.classes_) - 1)] != y)
        if unseen.any():
            raise ValueError(f"y holds labels {np.unique(y[unseen]).tolist()} that are not among the model's "
                             f"classes {self.classes_.tolist()}")
        if self._target_type == "binary":
            Y = index[:, None].astype(dtype)
        else:
            Y = np.zeros((len(y), len(self.classes_)), dtype=dtype)
            Y[np.arange(len(y)), index] = 1  # one-hot rows
        return Y, index

    def _row_class_weights(self, labels: Array | None) -> Array | None:
        """Each row's class weight, or None without class_weight (the core's unweighted fast path)."""
        return None if self.class_weight is None else self.class_weight_[labels]

    def _fit_class_weights(self, labels: Array | None, incremental: bool) -> None:
        """``class_weight_``, the weight of each class, from class_weight and the training rows' class indices."""
        k = len(self.classes_)
        if self.class_weight is None:
            self.class_weight_ = np.ones(k)
            return
        if labels is None:
            raise ValueError("class_weight applies to binary and multiclass targets; weight multilabel rows with sample_weight")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            if incremental:
                raise ValueError("class_weight='balanced' needs the class counts of the whole training set, which "
                                 "partial_fit does not see; pass a dict, e.g. from "
                                 "sklearn.utils.class_weight.compute_class_weight")
            counts = np.bincount(labels, minlength=k)
            self.class_weight_ = len(labels) / (k * np.maximum(counts, 1))  # n_samples / (n_classes · n_c)
        elif isinstance(self.class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in self.class_weight if label not in known]
            if unknown:
                raise ValueError(f"class_weight names labels {unknown} that are not among the classes {sorted(known)}")
            self.class_weight_ = np.array([float(self.class_weight.get(label, 1.0)) for label in self.classes_.tolist()])
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {self.class_weight!r}")

    def _strata(self, Y: Array) -> Array | None:
        """Class index of each row for a stratified split; None for multilabel targets."""
        if self._target_type == "multilabel":
            return None
        return Y[:, 0] if self._target_type == "binary" else Y.argmax(axis=1)

    def _classes_to_state(self, meta: dict, arrays: dict) -> None:
        arrays["class_weight"] = self.class_weight_
        if self.classes_.dtype.kind in "biuf":
            arrays["classes"] = self.classes_
        else:
            meta["classes"] = self.classes_.tolist()  # strings and other labels travel in JSON

    def _classes_from_state(self, meta: dict, arrays: dict) -> None:
        self.classes_ = fitted.classes_from_state(meta, arrays)  # numbers in an array, other labels in JSON
        self.class_weight_ = arrays["class_weight"]

    def __sklearn_tags__(self):  # noqa: ANN204 - scikit-learn's Tags
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True  # scipy.sparse X is taken (made dense), as by scikit-learn's MLP
        return tags
