"""A trained table model as the commands hand it around: the estimator (which keeps its scaling) and the table
encoding of ``bpnn train`` around it, read back from a model file for ``predict`` and ``evaluate`` (there as the
light :class:`bpnn.files.fitted.FittedModel`, which predicts alike without importing scikit-learn)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bpnn.cli._common import TASKS, UsageError


@dataclass
class Fitted:
    """A trained table model: the estimator (which keeps its scaling) and the table encoding around it."""

    estimator: object  # the estimator, or a FittedModel read from a file (Fitted.from_file)
    encoder: object  # bpnn.tables.FeatureEncoder
    task: str
    target_names: list
    source: str
    impute: str | None = None  # bpnn train --impute: predict fills missing feature values the same way

    def inputs(self, frame, source: str):
        """The estimator's inputs for the rows of ``frame``: checked and encoded as at training (the estimator
        scales them)."""
        from bpnn.tables import check_columns, check_values

        check_columns(self.encoder.feature_names, frame, source, "feature")
        check_values(frame[self.encoder.feature_names], source)
        return self.encoder.transform(frame, source)

    def info(self, extra: dict) -> dict:
        return {"task": self.task, "source": self.source, "targets": self.target_names, "features": self.encoder.to_dict(),
                **extra}

    @classmethod
    def from_file(cls, path: str | Path, estimator: bool = False) -> Fitted:
        """The model of the file at ``path`` as a light :class:`bpnn.files.fitted.FittedModel`, or with
        ``estimator`` as the scikit-learn estimator (for code that needs more of its API than predicting)."""
        from bpnn.files.fitted import fitted_of
        from bpnn.files.modelfile import read
        from bpnn.tables import FeatureEncoder

        contents = read(path)
        info = contents.info
        if contents.kind == "NARXRegressor":  # its inputs are lags of a series, not a table's columns
            raise UsageError(f"{path} holds a series model (bpnn train --delays); forecast with bpnn forecast {path} "
                             f"DATA --steps N")
        if "features" not in info:
            raise UsageError(f"{path} holds a model saved without its table encoding ({contents.kind}); "
                             f"bpnn predict and evaluate need a model from bpnn train")
        refuse_outside_scaling(info, path)
        with contents.checked():
            model = contents.build() if estimator else fitted_of(contents)
            fitted = cls(model, FeatureEncoder.from_dict(info["features"]), info["task"], info["targets"],
                         info.get("source", ""), training_impute(info))
            fitted.check()
        return fitted

    def check(self) -> None:
        """Predict for one made-up row (numbers 0, each text column's first category), so that an encoding,
        scaling and network that do not fit together (a hand-edited model file) fail before the user's data
        is read, inside ``ModelFile.checked``."""
        import pandas as pd

        names = self.target_names
        if self.task not in TASKS or not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise ValueError(f"task {self.task!r} and targets {self.target_names!r} are not a bpnn train record")
        row = pd.DataFrame({name: [0.0 if categories is None else str(categories[0])]
                            for name, categories in self.encoder.columns})
        X = self.encoder.transform(row)
        self.estimator.predict(X)
        if self.task == "classification" and self.estimator.predict_proba(X).shape != (1, len(self.estimator.classes_)):
            raise ValueError(f"the network's outputs do not match the classes {self.estimator.classes_.tolist()}")


    def labels(self, frame, targets: list, source: str, use: str = "use"):
        """The targets of ``frame`` as the model's score takes them; a class the model never saw, or a number of
        target columns the model does not have, is refused (``use`` is the verb of the fix: "use", "evaluate on")."""
        import numpy as np

        from bpnn.tables import DataError, target_values

        y = target_values(frame, targets, self.task, source)
        n_outputs = getattr(self.estimator, "n_outputs_", 1)
        if self.task == "classification":
            classes = self.estimator.classes_
            unseen = np.setdiff1d(y, classes.astype(y.dtype) if y.dtype.kind == "U" else classes)
            if unseen.size:
                raise DataError(f"{source}: class label {unseen[0].item()!r} was not seen at training (known: "
                                f"{', '.join(map(str, classes))}); {use} rows of those classes only")
        elif (y.shape[1] if y.ndim == 2 else 1) != n_outputs:
            raise UsageError(f"{source}: {len(targets)} target column(s) {', '.join(targets)} for a model of "
                             f"{n_outputs} output(s); give --target with the training targets in order")
        elif list(targets) != list(self.target_names) and sorted(targets) == sorted(self.target_names):
            # the training's names in another order would set each output against another target's column
            raise UsageError(f"--target {' '.join(targets)} names the training targets in another order; the model's "
                             f"outputs are {' '.join(self.target_names)}: give them in that order, or leave --target out")
        return y

def training_impute(info: dict) -> str | None:
    """The --impute of the training run, from the model file's settings (None: not given, or an older file)."""
    from bpnn.tables import IMPUTE

    settings = info.get("settings")
    impute = settings.get("impute") if isinstance(settings, dict) else None
    if impute is not None and impute not in IMPUTE:
        raise ValueError(f"the training's --impute {impute!r} is none of {', '.join(IMPUTE)}")
    return impute


def refuse_outside_scaling(info: dict, path: str | Path) -> None:
    """Model files of an earlier bpnn kept the table's scaling in ``info``, beside the model; this bpnn would skip it."""
    from bpnn.files.modelfile import ModelFileError

    if "x_scaling" in info:
        raise ModelFileError(f"{path} was saved by an earlier bpnn that kept the scaling outside the model; "
                             f"train it again with this bpnn")
