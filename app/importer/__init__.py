"""Import of Stack Exchange data dumps.

``stackexchange`` reads the XML (pure), ``scan`` validates a whole dump before anything is
written (pure), ``loader`` writes it through the bulk path in one transaction (with
``usernames`` and ``report``), ``cli`` is ``flask qa import-stackexchange DIR [--site HOST]``.
"""
