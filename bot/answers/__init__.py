"""One small module per kind of ask (values, can-bill-together, modifier choice, which code, rule topics,
compare, change, decline, hospital and ASC rates, ...): the engine reads a question once, picks the answerer
for that kind of ask from its table, and the answerer composes the Answer from facts."""
