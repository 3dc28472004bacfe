"""bpnn.distributed: sums over partitions against the local network, local SGD against a hand-derived
equivalence, the estimators on in-process and two-process clusters, and the command-line helpers."""


import numpy as np
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402

from bpnn.core import Network, make_optimizer, train  # noqa: E402
from bpnn.core.jacobian import gauss_newton, jacobian, sum_squared_errors  # noqa: E402
from bpnn.core.solvers import get_solver  # noqa: E402
from bpnn.distributed import (  # noqa: E402
    Block,
    DaskObjective,
    LocalState,
    client_from_scheduler,
    local_round,
    local_sgd,
    persist_blocks,
    read_partitioned,
)

LOSS_OUTPUT = {"binary_cross_entropy": "sigmoid", "categorical_cross_entropy": "softmax", "squared_error": "identity"}


@pytest.fixture
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def problem(loss, m=103, n_in=4, n_out=3, seed=0, weighted=True):
    """A small network with random data; uneven row chunks that do not match the column chunks."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_in))
    Y = {"binary_cross_entropy": (rng.random((m, n_out)) > 0.5).astype(float),
         "categorical_cross_entropy": np.eye(n_out)[rng.integers(0, n_out, m)],
         "squared_error": rng.standard_normal((m, n_out))}[loss]
    s = rng.uniform(0.1, 2.0, m) if weighted else None
    net = Network([n_in, 5, n_out], "tanh", LOSS_OUTPUT[loss], random_state=seed)
    return net, X, Y, s


@pytest.mark.parametrize("loss", sorted(LOSS_OUTPUT))
@pytest.mark.parametrize("weighted", [True, False])
def test_distributed_loss_and_gradient_equal_local(synchronous, loss, weighted):
    net, X, Y, s = problem(loss, weighted=weighted)
    partitions = persist_blocks(da.from_array(X, chunks=(17, 2)), da.from_array(Y, chunks=(40, 3)), s,
                                split_every=2)  # 7 blocks, a three-level tree
    assert len(partitions.blocks) == 7 and np.isclose(partitions.total_weight, s.sum() if weighted else len(X))
    objective = DaskObjective(net, partitions, loss, alpha=0.7)
    for _ in range(2):
        params = net.pack()
        J, grad = objective.loss_and_grad(params)
        J_local, grad_local = net.loss_and_grad(X, Y, loss, s, alpha=0.7)
        np.testing.assert_allclose(J, J_local, rtol=1e-10)
        np.testing.assert_allclose(grad, grad_local, rtol=1e-10, atol=1e-14)
        net.unpack(params - 0.5 * grad)  # another point, and the objective must not keep stale weights
        np.testing.assert_allclose(objective.cost(net.params), net.cost(net.forward(X), Y, loss, s, 0.7), rtol=1e-10)
    assert objective.evaluations == 4


@pytest.mark.parametrize("output", ["identity", "tanh"])
def test_distributed_gauss_newton_sums_equal_local(synchronous, output):
    """JᵀJ, Jᵀe and sse over 7 partitions, each chunked again inside, against the whole local computation."""
    _, X, Y, s = problem("squared_error")
    net = Network([4, 5, 3], "sigmoid", output, random_state=1)
    partitions = persist_blocks(da.from_array(X, chunks=(17, 4)), Y, s, split_every=3)
    objective = DaskObjective(net, partitions, "squared_error", chunk_rows=5)
    system = objective.gauss_newton(net.params)
    local = gauss_newton(net, X, Y, s)
    np.testing.assert_allclose(system.JTJ, local.JTJ, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(system.JTe, local.JTe, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(system.sse, local.sse, rtol=1e-10)
    np.testing.assert_allclose(objective.sum_squared_errors(net.params), sum_squared_errors(net, X, Y, s), rtol=1e-10)
    J = jacobian(net, X) * np.repeat(np.sqrt(s), 3)[:, None]  # independent: the whole weighted Jacobian at once
    np.testing.assert_allclose(system.JTJ, J.T @ J, rtol=1e-10, atol=1e-14)


def test_blocks_are_contiguous_aligned_and_typed(synchronous):
    X = np.asfortranarray(np.arange(60.0).reshape(20, 3))
    partitions = persist_blocks(da.from_array(X, chunks=(7, 1)), np.arange(20), dtype=np.float32)
    assert partitions.weights == [7.0, 7.0, 6.0]
    (first,) = dask.compute(partitions.blocks[0])
    assert first.X.flags.c_contiguous and first.X.flags.aligned and first.X.dtype == np.float32
    assert first.Y.shape == (7, 1) and first.s is None
    np.testing.assert_array_equal(first.X, X[:7])


def test_bad_shapes_and_empty_data_raise_clear_errors(synchronous):
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        persist_blocks(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="no rows with positive weight"):
        persist_blocks(np.zeros((4, 2)), np.zeros(4), np.zeros(4))


@pytest.mark.parametrize("solver", ["lbfgs", "lm", "br", "rprop", "scg"])
def test_full_batch_solver_on_partitions_follows_the_local_run(synchronous, solver):
    """The same solver, fed by the cluster through ``objective=``, takes the same steps as on local arrays."""
    solve = get_solver(solver)
    _, X, Y, s = problem("squared_error", m=60, n_out=2)
    alpha = 0.0 if solver == "br" else 0.1
    local, remote = (Network([4, 5, 2], "tanh", "identity", random_state=2) for _ in range(2))
    expected = solve(local, X, Y, "squared_error", sample_weight=s, alpha=alpha, max_iter=8)
    partitions = persist_blocks(X, Y, s, n_partitions=3)
    history = solve(remote, None, None, "squared_error", alpha=alpha, max_iter=8,
                    objective=DaskObjective(remote, partitions, "squared_error", alpha))
    assert history.epochs == expected.epochs
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-8)
    np.testing.assert_allclose(remote.params, local.params, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov"])
def test_local_full_batch_gd_rounds_are_global_gd_steps(synchronous, optimizer):
    """With full-batch steps linear in the gradient every partition moves θ_p = θ + v_p, and the S_p-weighted
    mean of the v_p follows the global recursion since Σ_p (S_p/S) ∇J_p = ∇J (the penalty shared as α S_p/S):
    each round of local SGD is exactly one global step."""
    net, X, Y, s = problem("categorical_cross_entropy")
    reference = Network([4, 5, 3], "tanh", "softmax", random_state=0)
    partitions = persist_blocks(X, Y, s, n_partitions=4, split_every=3)
    local_sgd(net, partitions, "categorical_cross_entropy", make_optimizer(optimizer, learning_rate=0.5), epochs=5,
              alpha=0.3, rng=0)
    train(reference, X, Y, "categorical_cross_entropy", make_optimizer(optimizer, learning_rate=0.5), epochs=5,
          batch_size=None, sample_weight=s, alpha=0.3)
    np.testing.assert_allclose(net.params, reference.params, rtol=1e-10)


def test_local_sgd_is_reproducible_and_partitions_draw_different_streams(synchronous):
    net, X, Y, _ = problem("binary_cross_entropy", m=400)
    partitions = persist_blocks(X, Y, n_partitions=4)
    runs = []
    for seed in (3, 3, 4):
        trained = Network([4, 5, 3], "tanh", "sigmoid", random_state=0)
        history = local_sgd(trained, partitions, "binary_cross_entropy", make_optimizer("adam", learning_rate=0.01),
                            epochs=3, batch_size=16, local_steps=4, rng=seed)
        assert history.epochs == 3 and history.stop_reason == "maximum epochs"
        runs.append(trained.params)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    block = Block(X, Y, None)  # the same rows and weights in two partitions: only their streams differ
    first, second = (local_round(block, net, net.params, LocalState(make_optimizer("gd"), stream), 0.1,
                                 "binary_cross_entropy", 0.0, 8, 3)[0][0] for stream in np.random.default_rng(0).spawn(2))
    assert not np.array_equal(first, second)


# ---- command-line helpers ----------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["local:0", "local:x", "localhost:8786", "threads"])
def test_bad_scheduler_spec_names_the_valid_forms(spec):
    with pytest.raises(ValueError, match="local:4 .* tcp://HOST:PORT|local:N with N >= 1"):
        client_from_scheduler(spec)


@pytest.mark.slow
def test_client_from_scheduler_starts_single_threaded_worker_processes():
    client = client_from_scheduler("local:2")
    cluster = client.cluster
    with client:
        assert sorted(client.nthreads().values()) == [1, 1]
    assert cluster.status.name == "closed"  # the client owned the cluster it started


@pytest.mark.slow
def test_client_from_scheduler_joins_a_running_cluster(process_client):
    address = process_client.scheduler.address
    with client_from_scheduler(address) as client:
        assert client.scheduler.address == address and len(client.scheduler_info()["workers"]) == 2


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_read_partitioned_reads_csv_and_parquet_by_partition(tmp_path, suffix):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.standard_normal(500), "b": rng.standard_normal(500), "label": rng.integers(0, 2, 500)})
    path = tmp_path / f"data.{suffix}"
    frame.to_csv(path, index=False, sep=";") if suffix == "csv" else frame.to_parquet(path)
    X, y = read_partitioned(path, ["label"], blocksize=2000)
    if suffix == "csv":
        assert X.npartitions > 1
    assert read_partitioned(path, ["label"], partitions=3)[0].npartitions == 3
    np.testing.assert_allclose(X.compute().to_numpy(), frame[["a", "b"]].to_numpy())
    np.testing.assert_array_equal(y.compute().to_numpy(), frame["label"].to_numpy())
    with pytest.raises(ValueError, match="no column 'target'; the columns are a, b, label"):
        read_partitioned(path, ["target"])


# ---- estimators --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def threads_client():
    """Two single-threaded in-process workers (fast to start)."""
    from distributed import Client, LocalCluster
    from threadpoolctl import threadpool_info, threadpool_limits

    blas = max([pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"], default=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client
    threadpool_limits(blas, user_api="blas")  # fit set one BLAS thread in this process, where the workers ran


@pytest.fixture(scope="module")
def process_client():
    """Two single-threaded worker processes: data and models really travel between processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client


def classification(n=2000, seed=0):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(n, 8, n_informative=5, n_redundant=0, class_sep=2.0, random_state=seed)
    return train_test_split(X, y, random_state=0)


def regression(n=1200, seed=0):
    from sklearn.datasets import make_regression
    from sklearn.model_selection import train_test_split

    X, y = make_regression(n, 8, noise=5, random_state=seed)
    return train_test_split(X, y / y.std(), random_state=0)


FITS = [("lbfgs", 30, "classifier"), ("lm", 10, "regressor"), ("adam", 15, "classifier"), ("adam", 15, "regressor")]


def fit_both(client, solver, epochs, task):
    from bpnn.distributed import DaskBPClassifier, DaskBPRegressor
    from bpnn.estimators import BPClassifier, BPRegressor

    local_class, dask_class, data = {"classifier": (BPClassifier, DaskBPClassifier, classification),
                                     "regressor": (BPRegressor, DaskBPRegressor, regression)}[task]
    X_train, X_test, y_train, y_test = data()
    options = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=epochs, random_state=0, learning_rate_init=0.02,
                   early_stopping=False,
                   batch_size=32)
    remote = dask_class(client=client, **options).fit(da.from_array(X_train, chunks=750), da.from_array(y_train, chunks=500))
    local = local_class(**options).fit(X_train, y_train)
    predicted = remote.predict(da.from_array(X_test, chunks=100))
    assert isinstance(predicted, da.Array) and predicted.chunks[0] == (100,) * (len(y_test) // 100)
    return remote, local, predicted.compute(scheduler=client), X_test, y_test


def check_close_to_local(remote, local, predicted, X_test, y_test):
    from sklearn.metrics import accuracy_score, r2_score

    score = accuracy_score if hasattr(local, "classes_") else r2_score
    assert abs(score(y_test, predicted) - local.score(X_test, y_test)) <= 0.01
    assert remote.n_iter_ == len(remote.loss_curve_) > 0
    if local.solver != "adam":  # the same full-batch steps, up to summation order
        np.testing.assert_allclose(remote.loss_curve_, local.loss_curve_, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver, epochs, task", FITS)
def test_fit_and_predict_on_threads_match_the_local_fit(threads_client, solver, epochs, task):
    check_close_to_local(*fit_both(threads_client, solver, epochs, task))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver, epochs, task", FITS[:3])
def test_fit_and_predict_on_two_processes_match_the_local_fit(process_client, solver, epochs, task):
    check_close_to_local(*fit_both(process_client, solver, epochs, task))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dataframe_with_text_labels_to_local_and_reproducibility(threads_client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    from sklearn.base import clone
    from threadpoolctl import threadpool_info

    from bpnn.distributed import DaskBPClassifier
    from bpnn.estimators import BPClassifier

    X_train, X_test, y_train, _ = classification(n=600)
    frame = pd.DataFrame(X_train, columns=[f"x{i}" for i in range(8)]).assign(label=np.array(["no", "yes"])[y_train])
    data = dd.from_pandas(frame, npartitions=3)
    features = list(frame.columns[:-1])
    fits = [DaskBPClassifier((6,), solver="adam", max_iter=3, random_state=1, client=threads_client, local_steps=2)
            .fit(data[features], data["label"]) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].network_.params, fits[1].network_.params)  # same random_state, same fit
    blas = threads_client.run(lambda: [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"])
    assert all(threads == [1] * len(threads) for threads in blas.values())  # one BLAS thread per worker
    model = fits[0]
    assert model.classes_.tolist() == ["no", "yes"] and model.feature_names_in_.tolist() == features
    probabilities = model.predict_proba(data[features])
    assert isinstance(probabilities, da.Array)
    local = model.to_local()
    assert type(local) is BPClassifier and "client" not in local.get_params()
    np.testing.assert_allclose(probabilities.compute(scheduler=threads_client), local.predict_proba(frame[features]))
    test = pd.DataFrame(X_test, columns=features)
    np.testing.assert_array_equal(model.predict(test), local.predict(test))  # in-memory data: in-memory answers
    copy = clone(model)  # shares the client: a connection cannot be deep-copied
    assert copy.client is threads_client and copy.local_steps == 2 and not hasattr(copy, "network_")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sample_weights_follow_the_local_fit_even_when_a_partition_weighs_nothing(synchronous):
    from bpnn.distributed import DaskBPRegressor
    from bpnn.estimators import BPRegressor

    X, _, y, _ = regression(n=400)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    weights[:100] = 0  # the whole first partition
    options = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15, random_state=0)
    remote = DaskBPRegressor(**options).fit(da.from_array(X, chunks=100), y, sample_weight=weights)
    local = BPRegressor(**options).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(remote.loss_curve_, local.loss_curve_, rtol=1e-6)
    assert remote.t_ == local.t_ == 15 * 200  # rows with weight, times iterations


def test_unsupported_options_raise_clear_errors(synchronous):
    from bpnn.distributed import DaskBPClassifier

    X, y = np.zeros((10, 2)), np.r_[[0] * 5, [1] * 5]
    with pytest.raises(ValueError, match="early_stopping on a cluster needs validation_data"):
        DaskBPClassifier(early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="class_weight='balanced' needs class counts over all partitions"):
        DaskBPClassifier(class_weight="balanced").fit(X, y)
    with pytest.raises(ValueError, match="local_steps must be None .* or an integer >= 1; got 0"):
        DaskBPClassifier(local_steps=0).fit(X, y)
    with pytest.raises(ValueError, match=r"division='random' divides rows held in one process; on a cluster every row "
                                         r"trains\. Set division=None"):
        DaskBPClassifier(division="random").fit(X, y)
    with pytest.raises(ValueError, match="scaling='mapminmax' is fitted on all training rows at once, which a cluster "
                                         "never gathers; set scaling=None"):
        DaskBPClassifier(scaling="mapminmax").fit(X, y)


def test_plain_estimator_refuses_dask_collections_and_points_here():
    from bpnn.estimators import BPClassifier

    with pytest.raises(TypeError, match="bpnn.distributed"):
        BPClassifier().fit(da.zeros((10, 2)), np.zeros(10))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_runs_on_the_cluster_through_joblib(threads_client):
    import joblib
    from distributed import get_task_stream
    from sklearn.model_selection import GridSearchCV

    from bpnn.estimators import BPClassifier

    X, _, y, _ = classification(n=400)
    def search():
        return GridSearchCV(BPClassifier((6,), max_iter=20, random_state=0), {"alpha": [1e-4, 1.0]}, cv=2)
    expected = search().fit(X, y)
    with get_task_stream(threads_client) as tasks, joblib.parallel_backend("dask", client=threads_client):
        found = search().fit(X, y)
    assert len(tasks.data) >= 4  # the 2 candidates x 2 folds ran as tasks on the cluster
    assert found.best_params_ == expected.best_params_
    np.testing.assert_array_equal(found.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dask_ml_incremental_trains_the_plain_estimator_block_by_block(synchronous):
    incremental = pytest.importorskip("dask_ml.wrappers").Incremental
    from bpnn.estimators import BPClassifier

    X, X_test, y, y_test = classification(n=1000)
    model = incremental(BPClassifier((8,), learning_rate_init=0.01, random_state=0))
    for _ in range(5):
        model.partial_fit(da.from_array(X, chunks=250), da.from_array(y, chunks=250), classes=[0, 1])
    assert model.estimator_.t_ == 5 * len(X) and model.score(X_test, y_test) > 0.9
