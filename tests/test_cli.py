"""The command line, driven through ``main([...])``."""

from bpnn.cli import main


def test_demo_trains_seed_network(capsys):
    assert main(["demo", "xor", "--epochs", "3000", "--learning-rate", "5"]) == 0
    out = capsys.readouterr().out
    assert "training accuracy 100.00%" in out


def test_demo_unknown_dataset_exits_2(capsys):
    assert main(["demo", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown data set 'nosuch'; choose one of xor, moons" in err and "Traceback" not in err
