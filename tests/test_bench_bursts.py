"""The benchmark's bursts: stretches of operations split at the gaps a shut window leaves."""

from bench.bursts import BurstSampler


def sampler(samples: list[tuple[float, int]], started: float, ended: float) -> BurstSampler:
    found = BurstSampler(sandbox=None, samples=samples)
    found._started, found._ended = started, ended
    return found


def test_a_gap_of_a_second_or_more_splits_the_run_into_bursts():
    samples = [(0.0, 0), (0.5, 0), (1.0, 500), (1.5, 1500), (2.0, 2000),  # first burst
               (2.5, 2000), (3.0, 2000), (3.5, 2000),  # the window is shut
               (4.0, 2600), (4.5, 3000), (5.0, 3000)]
    bursts = sampler(samples, started=0.0, ended=6.0).bursts()
    assert [(b.start, b.end, b.operations) for b in bursts] == [(0.5, 2.0, 2000),
                                                                (3.5, 4.5, 1000)]
    assert bursts[0].rate == 2000 / 1.5


def test_a_short_pause_between_batches_stays_in_its_burst():
    samples = [(0.0, 0), (0.25, 100), (0.5, 100), (0.75, 100), (1.0, 300)]
    assert len(sampler(samples, 0.0, 1.0).bursts()) == 1


def test_the_description_names_each_burst_the_gap_and_the_end():
    samples = [(0.0, 0), (1.0, 1000), (3.0, 1000), (4.0, 2000)]
    text = sampler(samples, started=0.0, ended=5.0).describe()
    assert text == ("first operation after 0.0 s, 1,000 operations in 1.0 s (1,000/s), gap 2.0 s, "
                    "1,000 operations in 1.0 s (1,000/s), end 1.0 s after the last")


def test_a_run_without_operations_says_so():
    assert sampler([(0.0, 5), (1.0, 5)], 0.0, 1.0).describe() == "no operation seen"
