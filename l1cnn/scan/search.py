"""Which points a scan evaluates, in which order: every combination of a grid, or Optuna's NSGA-II
multi-objective sampler over the space with the Level-1 budget as its constraints.

NSGA-II runs generation by generation: it asks for a whole generation, every point of it is
evaluated (in parallel, in any order), and the results are told back in the order asked. The
sampler's own random numbers are drawn in that fixed order from `scan.seed`, so the points asked and
the results are the same for any number of workers, and a resumed scan asks the same points again
(and finds them in the store).
"""

import itertools
import math


MAX_ASK_FACTOR = 20  # NSGA-II stops after this many generations per point if it keeps asking old points


def snap(param, value):
    """The value of the parameter's list nearest to `value` (a float step lands off its grid by ulps)."""
    return min(param.values, key=lambda v: abs(v - value)) if param.step is not None else value


def objective_values(scan, figures: dict) -> list:
    return [figures[name] for name, _ in scan.objectives]


def grid(scan, evaluate_batch) -> list:
    """Every combination, in the order of the space's parameters (the last varies fastest)."""
    points = [dict(zip([p.name for p in scan.params], combo))
              for combo in itertools.product(*(p.values for p in scan.params))]
    return evaluate_batch(points)


def _distribution(param):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    lo, hi = param.values[0], param.values[-1]
    if param.step is None:
        return CategoricalDistribution(list(param.values))
    if all(isinstance(v, int) for v in param.values) and isinstance(param.step, int):
        return IntDistribution(lo, hi, step=param.step)
    return FloatDistribution(lo, hi, step=param.step)


def nsga2(scan, evaluate_batch, figures_of, constraints_of) -> list:
    """Generations until `scan.points` distinct points are evaluated. `evaluate_batch(points) -> [result]`
    evaluates one generation; `figures_of(result)` gives the objective figures of a finished point (None
    when it failed); `constraints_of(result)` the budget's items {item: (pessimistic - limit) / limit},
    each <= 0 where the point fits."""
    import optuna
    from optuna.samplers import NSGAIISampler
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = NSGAIISampler(population_size=scan.population, seed=scan.seed)
    study = optuna.create_study(directions=[d for _, d in scan.objectives], sampler=sampler)
    dists = {p.name: _distribution(p) for p in scan.params}
    by_name = {p.name: p for p in scan.params}
    results, seen = [], set()
    for _ in range(MAX_ASK_FACTOR * scan.points):  # a generation at a time; points asked again are
        if len(seen) >= scan.points:               # told their stored figures and not counted
            break
        trials = [study.ask(dists) for _ in range(min(scan.population, scan.points - len(seen)))]
        points = [{k: snap(by_name[k], v) for k, v in t.params.items()} for t in trials]
        seen.update(tuple(sorted(p.items())) for p in points)
        batch = evaluate_batch(points)
        for trial, res in zip(trials, batch):
            figures = figures_of(res)
            if figures is None:
                study.tell(trial, state=TrialState.FAIL)
                continue
            values = objective_values(scan, figures)
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
                study.tell(trial, state=TrialState.FAIL)
                continue
            for item, value in constraints_of(res).items():
                trial.set_constraint(item, value)
            study.tell(trial, values)
        results.extend(batch)
    return results
