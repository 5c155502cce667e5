"""The laboratory: harnesses that measure the domains from outside (DESIGN.md: beside the
domains, never imported by one).

They may do what no domain may: build a scratch application (``create_app``) on a fresh
database, and feed it a Stack Exchange dump through the importer or the services.

* :mod:`app.lab.experts_replay` - replays a dump in time order through the services;
  each routing decision becomes a JSON line (``flask experts replay``);
* :mod:`app.lab.experts_evaluate`, :mod:`app.lab.experts_metrics` - routing metrics and
  baselines against the dump's real history (``flask experts evaluate``);
* :mod:`app.lab.search_evaluate` - known-item, duplicate and typo figures next to a plain
  BM25 reference (``flask search evaluate``);
* :mod:`app.lab.cli` - those commands, added to the domains' ``experts`` and ``search``
  command groups by :func:`app.lab.cli.register_lab_commands`.
"""
