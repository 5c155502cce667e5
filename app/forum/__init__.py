"""The forum: questions, answers, comments, votes, revisions. Imports no other domain
(accounts is the layer beneath it); everything else listens to ``app.signals``."""
