"""python -m verbs demo: the default output, and --profile's table and plot."""
from verbs import demo

ARGS = ["--steps", "3", "--samples", "1", "--jobs", "1", "--plot", ""]


def test_demo_without_profile_prints_no_profile(capsys):
    assert demo.main(ARGS) == 0
    out = capsys.readouterr().out
    assert "holders at the end" in out and "supply conserved: True" in out
    assert "gas profile" not in out


def test_demo_profile_prints_the_table_and_writes_the_plot(capsys, tmp_path):
    plot = tmp_path / "profile.png"
    # 20 steps: agent 0, who holds the supply, gets to send (the seeds are fixed)
    args = ["--steps", "20"] + ARGS[2:] + ["--profile", "--profile-plot", str(plot)]
    assert demo.main(args) == 0
    out = capsys.readouterr().out
    assert "supply conserved: True" in out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("gas profile:"))
    n_tx = int(lines[head].split()[2].replace(",", ""))
    assert n_tx > 0
    # the agents only transfer the token: one row, every transaction one call of it
    assert "transactions" in lines[head] and "top 1 of 1 functions" in lines[head]
    row = lines[head + 3].split()
    assert int(row[2]) == n_tx  # calls
    assert row[-1] == "100.0%"
    assert f"gas profile plot written to {plot}" in out
    assert plot.stat().st_size > 0
