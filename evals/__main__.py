"""`python -m evals` is `run-eval`."""

from evals.cli.main import main

raise SystemExit(main())
