"""Research methods: many runs of the model with a question. One subpackage per method:

    claims/       a source's claim (a TOML file in experiments/claims/) as a test of scenario arms
    sweep/        a design over parameters, run or resumed on Dask; analysis.py reads its results
    calibrate/    an observed series: Bass p, q, m and the best values of keys (bass.py), their
                  posterior by ABC-SMC (abc.py)
    optimize/     the best plan for a budget, re-checked on fresh seeds
    attribution/  the Shapley split of the iron triangle (method.py), across settings of one
                  factor's parameters (map.py)
    value/        what a program is worth: acceleration, expansion and loss, person by person

Every method has the same shape, so a new one is written like the others:

- `spec.py` (or the method's module, for a spec of a few keys) holds the typed spec, a pydantic
  model validated on read, and `load_spec(path) -> spec`: any problem is one InputError naming the
  file and key (exit 2), through the one TOML reader (sim.config.toml.read_spec).
- the method's module (`method.py`; `bass.py` and `abc.py`, `analysis.py` and `map.py` beside it)
  has `run(spec, options, ...) -> result`: `spec` is what the method reads (a spec file, a scenario
  and its baseline, a target series, a sweep's results folder), `options` a `ResearchOptions`
  (sim.research.options: replicates, seed, workers, scheduler, out, force, progress; one dataclass,
  the fields a method has no use for are ignored; a sweep's analysis has none). It runs its runs through the one executor
  (sim.run.executor) and takes an optional `progress` callback where the caller draws the bar. Then
  `write_outputs(result, ...) -> paths` writes the result's folder or file (`out_dir`, or the one
  the result names) atomically
  (sim.run.io) with the charts a `draw` callable (from sim.viz) adds. A sweep and an optimize store
  each run as it finishes, so that a stopped one resumes; a claim writes when `options.out` is set.
- the `wom` command of a method lives in the module of sim.cli named like it, and only parses
  options into a `ResearchOptions`, calls `load_spec`, `run` and `write_outputs`, and prints.

Import a method's module and call its functions by the module's name, as SALib does
(`from sim.research.sweep import method as sweep; sweep.run(path)`).
"""
