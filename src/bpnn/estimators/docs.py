"""Prose shared by the docstrings of BPClassifier and BPRegressor: how the defaults and the MATLAB workflow,
validation, stopping and checkpoints work (``DEFAULTS``) and the fitted attributes (``ATTRIBUTES``). Their
"Parameters" sections come from the parameter table (:func:`bpnn.estimators.parameters.parameter_docs`)."""

DEFAULTS = """
    Parameters shared with scikit-learn's MLP keep its names and meanings. Six defaults differ from
    scikit-learn's, chosen on bench/bench_estimators.py (breast cancer, digits, iris, wine, diabetes; equal
    hidden sizes, epochs and batch size) and bench/bench_default_budget.py (max_iter 200 against 1000 on seven
    data sets, bench/default_budget.md): learning_rate="adaptive" with learning_rate_init=0.01 (Adam starts
    10 times faster; on a plateau of the training loss the rate is divided by 5 instead of training stopping,
    so a larger max_iter is used rather than wasted, and training ends once the rate is below 1e-6),
    n_iter_no_change=20, early_stopping="refit" (10 % of the rows held out choose the number of epochs, then
    every row trains that many: a small noisy data set such as diabetes no longer overfits when max_iter grows,
    and no row is lost to validation), alpha=1e-3 and init="glorot_uniform".
    ``learning_rate="constant", learning_rate_init=1e-3, alpha=1e-4, early_stopping=False,
    n_iter_no_change=10`` trains as scikit-learn does.

    MATLAB's workflow is a few arguments away; the defaults stay scikit-learn's (no scaling, no division).
    fitnet(10) with trainlm, mapminmax, dividerand 70/15/15 and max_fail 6, and patternnet(10) with trainscg::

        BPRegressor(hidden_layer_sizes=10, activation="tanh", solver="lm", max_iter=1000, alpha=0.0,
                    scaling="mapminmax", division="random", random_state=0)
        BPClassifier(hidden_layer_sizes=10, activation="tanh", solver="scg", max_iter=1000, alpha=0.0,
                     scaling="mapminmax", division="random", random_state=0)

    Then ``predict`` takes and returns the user's units, ``training_record_`` is MATLAB's ``tr`` and
    ``test_scores_`` the test set's figures.

    Validation and stopping. Validation rows come from one source: fit's ``validation_data``, a
    ``division`` (its validation share), or ``early_stopping=True`` or ``"refit"`` with ``validation_fraction``
    (scikit-learn's split, made only when neither of the others is given; a division with validation_data is
    an error). The rule that watches them:

    - ``early_stopping=True``: scikit-learn's rule, for every solver: stop when ``monitor`` has not
      improved by ``tol`` for ``n_iter_no_change`` epochs.
    - ``early_stopping="refit"`` (the default) without a division or validation_data: the same rule on the
      held-out rows gives the best epoch E; then the network trains again from the same start on every row
      for E epochs (stop reason "refit"; ``validation_history_`` is the held-out run). With validation_data it
      acts as True, with a division as False; below 20 held-out rows it holds nothing out.
    - otherwise MATLAB's rule, "validation stop": ``max_fail`` epochs in a row without a lower validation
      loss. The MATLAB solvers (lm, br, rprop, scg) apply it whenever there are validation rows; the others
      when the rows come from a ``division`` (with only ``validation_data`` they just score it, as
      scikit-learn's MLP does). ``max_fail=0`` turns it off.

    Either rule restores the weights of the best validation epoch. The test rows of a division are only
    measured (``training_record_["tperf"]`` per epoch, ``test_scores_`` at the end), never trained on and
    never used to stop. The stepwise solvers' rule that stops on a stalled training loss (scikit-learn's)
    applies when no validation rule does.

    Checkpoints. ``fit(X, y, checkpoint=PATH, checkpoint_every=N)`` writes the complete training state
    every N epochs (atomically; see :mod:`bpnn.files.checkpoint`): weights, optimizer state, generator state,
    history, best weights and the division's rows. ``fit(X, y, resume=PATH)``, on an estimator with the
    same parameters and the same data, continues from it and ends with the weights an uninterrupted fit
    gives, bit for bit. ``stop`` (e.g. a ``threading.Event``) set during fit ends it after the current batch
    (stop reason "interrupted"), writing a last checkpoint. The stepwise solvers, lm, br, rprop and scg take
    checkpoints; lbfgs refuses them (SciPy's memory cannot be saved).
"""

ATTRIBUTES = """
    network_ : bpnn.core.Network
        The trained network (samples are rows; W[l] is (n_in, n_out)).
    history_ : bpnn.core.training.History
        Per-epoch loss, validation loss and score, learning rate, seconds, solver series, stop reason.
    validation_history_ : bpnn.core.training.History or None
        After early_stopping="refit": the held-out run that chose the epochs (its ``val_loss``, ``val_score``
        and ``best_epoch``); None when it held nothing out. Absent after other fits.
    coefs_, intercepts_ : list of ndarray
        W[l] ``(n_in, n_out)`` and b[l] ``(n_out,)``, views into ``network_.params``; assigning a list of
        arrays of the fitted shapes writes them into the network.
    n_iter_, t_ : int
        Epochs of the latest fit or partial_fit call (scikit-learn's meaning; ``loss_curve_`` and ``history_``
        hold every epoch of warm-started fits), and training rows seen over all of them.
    loss_curve_, validation_loss_curve_, validation_scores_ : list of float
        Per epoch; the validation ones are None without validation data.
    best_loss_, best_validation_score_ : float or None
        Lowest training loss (None with early_stopping, which watches the validation set) and highest
        validation score (None without validation data; a diverged epoch's nan score is left out).
    n_features_in_, feature_names_in_, n_layers_, n_outputs_, out_activation_
        As in scikit-learn (out_activation_ uses bpnn's names: sigmoid, softmax, identity, exp).
    x_scaler_, y_scaler_ : bpnn.preprocessing scaler or None
        The fitted scaling of inputs (a Chain: RemoveConstant, whose ``removed`` lists the constant columns
        dropped, then mapminmax or standard) and of regression targets; None without scaling.
    feature_range_ : ndarray of shape (2, n_features_in_) or None
        Each feature's lowest and highest value in the X given to fit (widened by warm-started fits and
        partial_fit); predicting on values beyond it gives a ``bpnn.ExtrapolationWarning``. None for models
        saved before it was kept, and on a Dask cluster (whose rows are never gathered).
    division_ : bpnn.preprocessing.Division or None
        Row numbers (into the X given to fit) of the ``train``, ``val`` and ``test`` sets of the division.
    test_scores_ : dict or None
        Figures on the division's test rows at the end of fit, in the user's units: "mse" (mean over
        samples and outputs) and "r2" for regression, "accuracy" and "cross_entropy" for classification.
    trials_ : list of dict
        One record per trial of fit (``n_init`` of them): "trial" (1, 2, …), "seed" and "division_seed" (the
        random_state and division_random_state that refit it alone, bit for bit), "epochs", "best_epoch",
        "stop_reason", "loss", "val_loss" and "val_score" at the weights kept (None without validation rows),
        "test" (test_scores_ of the trial), "seconds", "kept".
    best_trial_ : int
        The trial whose network the estimator holds (counted from 1).
    estimators_ : list of estimators
        With ensemble=True only: every trial, fitted; predict averages them.
    training_record_ : dict
        MATLAB's training record ``tr``, one entry per epoch of ``history_``: "epoch" (1, 2, …), "perf",
        "vperf", "tperf" (training, validation, test performance: the mean squared error over samples and
        outputs for regression, in scaled units when scaling; the cost J for classification; None without
        the set), "time" (seconds since the start), "val_fail" (epochs in a row without a lower validation
        loss), and, when the solver reports them, "gradient" (its norm), "mu", and br's "gamma" (the
        effective number of parameters γ, MATLAB's gamk), "alpha", "beta" and "ssw" (E_W, MATLAB's ssX);
        "learning_rate" for the stepwise solvers. Then "num_epochs", "best_epoch" (the epoch whose weights
        the model holds, counted from 1), "best_perf", "best_vperf", "best_tperf" (at that epoch), "stop"
        (the stop reason: goal met, maximum epochs, minimum gradient, maximum mu, validation stop, time
        limit, …) and "message".
"""
