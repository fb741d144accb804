"""Same scenario and seed, same numbers: twice, on any number of workers, in any chunking."""

import numpy as np
from conftest import SCENARIOS

import sim
from sim.engine.replay import simulate_replication


def figures(results):
    s = results.summary()
    return {k: s[k] for k in ("metrics", "probabilities", "curves", "trajectories")}


def test_same_seed_twice_gives_identical_figures():
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    a = sim.run(scenario, reps=150, seed=7, workers=1)
    b = sim.run(scenario, reps=150, seed=7, workers=1)
    assert figures(a) == figures(b)


def test_one_and_two_workers_give_identical_figures():
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    a = sim.run(scenario, reps=300, seed=7, workers=1)
    b = sim.run(scenario, reps=300, seed=7, workers=2)
    assert figures(a) == figures(b)
    for name in a.scalars:
        assert np.array_equal(a.scalars[name], b.scalars[name], equal_nan=True)
    assert np.array_equal(a.trajectories["warheads"], b.trajectories["warheads"])


def test_a_replication_does_not_depend_on_how_many_are_run():
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    small = sim.run(scenario, reps=12, seed=3, workers=1)
    large = sim.run(scenario, reps=40, seed=3, workers=2)
    for name in small.scalars:
        assert np.array_equal(small.scalars[name], large.scalars[name][:12], equal_nan=True)


def test_replaying_one_replication_gives_its_row():
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    res = sim.run(scenario, reps=20, seed=9, workers=1)
    for index in (0, 13):
        out = simulate_replication(scenario, 9, index)
        row = [res.scalars[name][index] for name in res.scalars]
        assert list(out.scalars) == row
        assert out.log  # the replay carries its event log


def test_different_seeds_differ():
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    a = sim.run(scenario, reps=20, seed=1, workers=1)
    b = sim.run(scenario, reps=20, seed=2, workers=1)
    assert not np.array_equal(a.scalars["final_material"], b.scalars["final_material"])


def test_counting_simpy_events_changes_no_number_and_counts_what_simpy_schedules():
    from sim.model.replication import build, finish
    from sim.plan.compiled import compile_plan

    plan = compile_plan(sim.load_scenario(SCENARIOS / "freeze.yaml"))
    draws = plan.draws(4, 0, 30)
    counted = 0
    for j in range(30):
        plain = build(plan, draws, j)
        plain.env.run(until=plain.horizon)
        tally = build(plan, draws, j, count=True)
        tally.env.run(until=tally.horizon)
        a, b = finish(plain), finish(tally)
        assert (a.scalars, a.firsts, a.spells, a.events) == (b.scalars, b.firsts, b.spells, None)
        assert b.events == tally.env.scheduled == next(plain.env._eid)  # SimPy's own count
        counted += b.events
    assert counted > 30 * 10  # dozens of events a replication


def test_whether_the_run_chooses_a_pool_changes_no_number(monkeypatch):
    """Left to itself (workers=None) a run times its first chunk and starts a pool only if
    the rest pays for it; either way, the numbers of one worker."""
    from sim.engine.chunks import LocalChunks

    monkeypatch.setattr(LocalChunks, "__init__", _two_cores(LocalChunks.__init__))
    scenario = sim.load_scenario(SCENARIOS / "freeze.yaml")
    serial = sim.run(scenario, reps=300, seed=7, workers=1)
    monkeypatch.setattr("sim.engine.chunks.start_seconds", lambda: 0.0)  # a pool always pays
    pooled = sim.run(scenario, reps=300, seed=7)
    monkeypatch.setattr("sim.engine.chunks.start_seconds", lambda: 1e9)  # it never does
    alone = sim.run(scenario, reps=300, seed=7)
    assert (serial.workers, pooled.workers, alone.workers) == (1, 2, 1)
    assert figures(pooled) == figures(serial) == figures(alone)
    for name in serial.scalars:
        assert np.array_equal(pooled.scalars[name], serial.scalars[name], equal_nan=True)
    assert np.array_equal(pooled.trajectories["warheads"], serial.trajectories["warheads"])


def _two_cores(init):
    """LocalChunks.__init__ as on a machine of two cores, whatever this one has."""

    def patched(self, plan, workers=None):
        init(self, plan, workers)
        if workers is None:
            self.most = 2

    return patched


def test_a_given_number_of_workers_is_obeyed_however_small_the_run():
    scenario = sim.load_scenario(SCENARIOS / "stalled.yaml")
    assert sim.run(scenario, reps=200, seed=1, workers=2).workers == 2
    assert sim.run(scenario, reps=200, seed=1, workers=1).workers == 1


def test_a_pool_pays_when_the_work_left_exceeds_its_start_up_saved():
    from sim.engine.chunks import worth_a_pool

    # on 2 workers the rest takes start + left / 2: a pool pays beyond left = 2 x start
    assert worth_a_pool(1.1, 2, 0.5) and not worth_a_pool(0.9, 2, 0.5)
    assert worth_a_pool(0.9, 4, 0.5)  # 0.5 + 0.225 < 0.9
    assert not worth_a_pool(100.0, 1, 0.0)  # one worker is this process


def test_a_run_without_trajectories_gives_the_same_figures_to_the_bit():
    """Without trajectories a chunk evaluates the paths at month 0 and the horizon only
    (all the arsenal figures need); every figure is what the full monthly grid gives."""
    from sim.engine.chunks import run_chunk
    from sim.plan.compiled import compile_plan

    for name in ("freeze.yaml", "stalled.yaml"):
        plan = compile_plan(sim.load_scenario(SCENARIOS / name))
        for start, stop in ((0, 1), (5, 160)):
            full = run_chunk(plan, 3, start, stop, trajectories=True)
            cut = run_chunk(plan, 3, start, stop, trajectories=False)
            for key in ("scalars", "firsts", "freeze"):
                assert full[key].tobytes() == cut[key].tobytes(), (name, key)
            assert cut["warheads"].shape == cut["material"].shape == (stop - start, 0)
            assert full["warheads"].shape == (stop - start, plan.horizon + 1)
