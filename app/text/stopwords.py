"""Words too common to rank by (pure). Search drops them from a query that has other words
(never a query of stop words alone); text profiles never store them."""

STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each ever few for from further get got
had has have having he her here hers herself him himself his how i if in into is it its itself just
let me more most my myself no nor not of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up us very was we were what when where which while who whom why
will with would you your yours yourself yourselves s t d ll m re ve
的 了 吗 呢 吧 啊 是 我 你 他 她 它 们 在 和 与 及 或 都 也 就 要 会 能 可以 怎么 怎样 如何 什么 为什么 哪些 请问 一下
""".split())
