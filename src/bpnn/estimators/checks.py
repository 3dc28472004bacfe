"""Which of scikit-learn's estimator checks a configuration of BPClassifier or BPRegressor is expected to fail,
and why (:func:`expected_failed_checks`)."""

from __future__ import annotations

from sklearn.base import BaseEstimator, ClassifierMixin

from bpnn.core.solvers import solver_name

STEPWISE = ("sgd", "adam", "rmsprop")  # the solvers that follow learning_rate

SPLIT_BREAKS_REPEATS = ("early stopping holds out a fraction of the rows, so n rows with integer weights and the same rows "
                        "repeated are split differently and the fits differ; scikit-learn's MLP with early_stopping=True "
                        "fails this check too (MLPRegressor on dense data, MLPClassifier on sparse)")
SAMPLES_SCHEDULE = ("learning_rate='invscaling' divides the rate by a power of the samples seen (scikit-learn's t), so "
                    "repeating rows instead of weighting them lowers the rate sooner and the fits differ")
SATURATED_PROBABILITIES = ("a network trained to convergence on separable data gives probabilities that round to exactly "
                           "1.0; scikit-learn's MLPClassifier(solver='lbfgs') fails this check the same way")


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """scikit-learn's estimator checks that ``estimator``'s configuration is expected to fail, with the reason: pass
    it to ``check_estimator(est, expected_failed_checks=expected_failed_checks(est))`` or to
    ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)``, as scikit-learn does for its
    own estimators."""
    expected = {}
    solver = solver_name(getattr(estimator, "solver", ""))  # MATLAB's names too: traingdx is sgd
    # early_stopping="refit" (the default) holds nothing out below 191 rows (validation_fraction=0.1), and
    # scikit-learn's weighted data sets are smaller: it passes, so only True is expected to fail
    if getattr(estimator, "early_stopping", False) is True:
        expected["check_sample_weight_equivalence_on_dense_data"] = SPLIT_BREAKS_REPEATS
        expected["check_sample_weight_equivalence_on_sparse_data"] = SPLIT_BREAKS_REPEATS  # sparse X is taken too
    if getattr(estimator, "learning_rate", None) == "invscaling" and solver in STEPWISE:
        expected["check_sample_weight_equivalence_on_dense_data"] = SAMPLES_SCHEDULE
        expected["check_sample_weight_equivalence_on_sparse_data"] = SAMPLES_SCHEDULE
    if isinstance(estimator, ClassifierMixin) and solver == "lbfgs":
        expected["check_classifiers_multilabel_output_format_predict_proba"] = SATURATED_PROBABILITIES
    return expected
